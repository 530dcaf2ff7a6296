"""Patients (staff side)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.errors import ApiError
from app.api.openapi import conflict
from app.api.pagination import page
from app.api.security import current_staff, load_patient_for_staff, requires
from app.extensions import db
from app.models import Center
from app.schemas.enroll_code import EnrollmentCodeSchema
from app.schemas.patient import (
    PatientCreatedSchema,
    PatientCreateSchema,
    PatientListArgs,
    PatientOutSchema,
    PatientPatchSchema,
)
from app.services import audit
from app.services.enrollment import issue_code
from app.services.patient_records import patients_query
from app.services.patients import create_patient, patient_view, protocol_that_fits, update_patient
from app.timesource import utcnow

blp = Blueprint("patients", __name__, url_prefix="/api/v1/patients", description="Patients")


@blp.route("")
class Patients(MethodView):
    @requires("staff")
    @blp.arguments(PatientListArgs, location="query")
    @blp.response(200, PatientOutSchema(many=True))
    def get(self, args):
        """Patients of the caller's centre (platform administrators: every centre, or `center_id`)."""
        query = patients_query(current_staff(), center_id=args.get("center_id"), status=args.get("status"))
        patients = page(query, args)
        audit.record("patient.list", details={"count": len(patients)})
        db.session.commit()
        return [patient_view(p) for p in patients]

    @requires("clinician", "nurse")
    @blp.arguments(PatientCreateSchema)
    @blp.response(201, PatientCreatedSchema)
    @blp.doc(
        responses=conflict(
            "The MRN is enrolled at this centre already (`duplicate_mrn`), or the phone (or "
            "caregiver phone) is another active patient's, in any centre (`duplicate_phone`; "
            "`fields` names which)."
        )
    )
    def post(self, data):
        """Enroll a patient; the answer carries the one-time enrollment code and restriction dates."""
        center = db.session.get(Center, data["center_id"])
        if center is None or not current_staff().can_see_center(center.id):
            raise ApiError(422, "Unknown centre.", fields={"center_id": ["No such centre, or not yours."]})
        patient, code = create_patient(data, center)
        db.session.commit()
        return {**patient_view(patient), "enrollment_code": code.code, "enrollment_code_expires_at": code.expires_at}


@blp.route("/<int(max=2147483647):patient_id>")
class PatientItem(MethodView):
    @requires("staff")
    @blp.response(200, PatientOutSchema)
    def get(self, patient_id):
        """One patient."""
        patient = load_patient_for_staff(patient_id)
        audit.record("patient.read", patient_id=patient.id, target_type="patient", target_id=patient.id)
        db.session.commit()
        return patient_view(patient)

    @requires("clinician", "nurse", "admin")
    @blp.arguments(PatientPatchSchema)
    @blp.response(200, PatientOutSchema)
    def patch(self, data, patient_id):
        """Change protocol (applies from now on), status, language, channel, caregiver, baseline, or
        excuse check-ins until a time (e.g. readmitted to hospital; null ends it)."""
        patient = load_patient_for_staff(patient_id)
        if "protocol_id" in data:
            protocol_that_fits(data["protocol_id"], patient.product, patient.center)
        changed = update_patient(patient, data, utcnow())
        audit.record(
            "patient.update",
            patient_id=patient.id,
            target_type="patient",
            target_id=patient.id,
            details={
                "fields": sorted(changed),
                **({"protocol_id": data["protocol_id"]} if "protocol_id" in changed else {}),
            },
        )
        db.session.commit()
        return patient_view(patient)


@blp.route("/<int(max=2147483647):patient_id>/enrollment-code")
class EnrollmentCode(MethodView):
    @requires("clinician", "nurse")
    @blp.response(201, EnrollmentCodeSchema)
    def post(self, patient_id):
        """Issue a new enrollment code (a new or lost phone); earlier codes stop working."""
        patient = load_patient_for_staff(patient_id)
        code = issue_code(patient)
        audit.record("patient.enrollment_code", patient_id=patient.id, target_type="patient", target_id=patient.id)
        db.session.commit()
        return {"enrollment_code": code.code, "expires_at": code.expires_at}
