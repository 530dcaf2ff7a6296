"""Reports: the patient's own (mobile app) and staff taking one by phone."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.openapi import conflict
from app.api.pagination import page
from app.api.security import current_actor, current_patient, current_staff, load_patient_for_staff, requires
from app.extensions import db
from app.schemas.presenters import report_view
from app.schemas.report import PageArgs, ReportOutSchema, ReportResultSchema, ReportSchema
from app.services import audit
from app.services.patient_records import reports_query
from app.services.reports import record_report

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Symptom and vitals reports")


def _answer(recorded):
    return recorded.body, 201 if recorded.created else 200


def _history(patient_id: int, args: dict) -> list[dict]:
    reports = page(reports_query(patient_id), args)
    return [report_view(r) for r in reports]


@blp.route("/me/reports")
class MyReports(MethodView):
    @requires("patient", lock_patient=True)
    @blp.arguments(ReportSchema)
    @blp.response(201, ReportResultSchema)
    @blp.alt_response(200, schema=ReportResultSchema, description="A retry of a report already stored")
    @blp.doc(responses=conflict("This client_id was already used for a different report (`client_id_conflict`)."))
    def post(self, data):
        """Log symptoms and vitals; graded within the request. Retries with the same client_id are safe."""
        actor = current_actor()
        return _answer(record_report(current_patient(), data, source="app", patient_locked=actor.patient_locked))

    @requires("patient")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ReportOutSchema(many=True))
    def get(self, args):
        """The patient's own reports, newest first."""
        patient = current_patient()
        audit.record("report.list_self", patient_id=patient.id)
        db.session.commit()
        return _history(patient.id, args)


@blp.route("/patients/<int(max=2147483647):patient_id>/reports")
class PatientReports(MethodView):
    @requires("staff")
    @blp.arguments(ReportSchema)
    @blp.response(201, ReportResultSchema)
    @blp.alt_response(200, schema=ReportResultSchema, description="A retry of a report already stored")
    @blp.doc(responses=conflict("This client_id was already used for a different report (`client_id_conflict`)."))
    def post(self, data, patient_id):
        """A report taken by phone by the care team; graded like the patient's own."""
        patient = load_patient_for_staff(patient_id)
        return _answer(record_report(patient, data, source="staff", staff=current_staff()))

    @requires("staff")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ReportOutSchema(many=True))
    def get(self, args, patient_id):
        """A patient's reports, newest first."""
        patient = load_patient_for_staff(patient_id)
        audit.record("report.list", patient_id=patient.id)
        db.session.commit()
        return _history(patient.id, args)
