"""Check-ins: the patient's own and a patient's history for staff."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.pagination import page
from app.api.security import current_patient, load_patient_for_staff, requires
from app.extensions import db
from app.models import CheckIn
from app.schemas.patient import CheckInListArgs, CheckInOutSchema
from app.services import audit
from app.services.patient_records import check_ins_query

blp = Blueprint("check_ins", __name__, url_prefix="/api/v1", description="Scheduled check-ins")


def _list(patient_id: int, args: dict) -> list[CheckIn]:
    return page(check_ins_query(patient_id, args.get("state")), args)


@blp.route("/me/check-ins")
class MyCheckIns(MethodView):
    @requires("patient")
    @blp.arguments(CheckInListArgs, location="query")
    @blp.response(200, CheckInOutSchema(many=True))
    def get(self, args):
        """Upcoming and past check-ins (the schedule ahead covers the next two days)."""
        patient = current_patient()
        audit.record("check_in.list_self", patient_id=patient.id)
        db.session.commit()
        return _list(patient.id, args)


@blp.route("/patients/<int(max=2147483647):patient_id>/check-ins")
class PatientCheckIns(MethodView):
    @requires("staff")
    @blp.arguments(CheckInListArgs, location="query")
    @blp.response(200, CheckInOutSchema(many=True))
    def get(self, args, patient_id):
        """A patient's check-ins with their states (pending, completed, missed, excused, cancelled)."""
        patient = load_patient_for_staff(patient_id)
        audit.record("check_in.list", patient_id=patient.id)
        db.session.commit()
        return _list(patient.id, args)
