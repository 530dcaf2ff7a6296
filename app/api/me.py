"""The patient's own view (mobile app)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from app.api.security import current_patient, requires
from app.extensions import db
from app.schemas.patient import PatientOutSchema
from app.services import audit
from app.services.patients import patient_view

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The signed-in patient")


class MeSchema(PatientOutSchema):
    care_team_phone = fields.String(allow_none=True)
    center_name = fields.String()


@blp.route("")
class Me(MethodView):
    @requires("patient")
    @blp.response(200, MeSchema)
    def get(self):
        """Profile, day after infusion, restrictions with their end dates and the care team's phone."""
        patient = current_patient()
        audit.record("patient.read_self", patient_id=patient.id, target_type="patient", target_id=patient.id)
        db.session.commit()
        return {**patient_view(patient), "care_team_phone": patient.center.phone, "center_name": patient.center.name}
