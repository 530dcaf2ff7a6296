"""FHIR R4 export of a patient and the ED hand-off packet of an alert (issue 7 parts 2 and 3)."""

from __future__ import annotations

import json

from flask import Response, current_app, render_template, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.api.alerts import load_alert_for_staff
from app.api.security import load_patient_for_staff, requires
from app.clock import utcnow
from app.extensions import db
from app.fhir.bundle import export_bundle, handoff_document
from app.fhir.handoff import handoff_summary
from app.fhir.record import load_record
from app.models import Patient
from app.schemas.common import AwareDateTime, StrictSchema
from app.services import audit

blp = Blueprint("fhir", __name__, url_prefix="/api/v1", description="FHIR R4 export and ED hand-off")

FHIR_JSON = "application/fhir+json"
ANY_OBJECT = {"type": "object", "description": "A FHIR R4 Bundle resource"}
# The page is one file: inline styles only, nothing fetched, nothing run.
HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"


class ExportArgs(StrictSchema):
    since = AwareDateTime(data_key="_since", metadata={
        "description": "ISO 8601 instant with a time zone: only resources whose meta.lastUpdated is later. "
                       "Pass the previous export's Bundle.timestamp minus a margin (ids are stable, so "
                       "repeats are harmless, while a gap would lose data)."})


class HandoffArgs(StrictSchema):
    format = fields.String(validate=validate.OneOf(("json", "html")), metadata={
        "description": "`html` for the printable page; without it, `Accept: text/html` chooses the page too."})


def _base() -> str:
    # fullUrls must be absolute; the configured public address, else the one this request used.
    return f"{(current_app.config.get('PUBLIC_BASE_URL') or request.host_url).rstrip('/')}/fhir"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # health data: no shared or browser caches
    return response


def _fhir(body: dict) -> Response:
    return _private(Response(json.dumps(body, ensure_ascii=False), mimetype=FHIR_JSON))


def handoff_page(summary: dict) -> Response:
    page = Response(render_template("handoff.html", s=summary), mimetype="text/html")
    page.headers["Content-Security-Policy"] = HTML_CSP
    return _private(page)


def _wants_html(args: dict) -> bool:
    if "format" in args:
        return args["format"] == "html"
    return request.accept_mimetypes.best_match([FHIR_JSON, "application/json", "text/html"]) == "text/html"


@blp.route("/patients/<int(max=2147483647):patient_id>/fhir")
class PatientFhir(MethodView):
    @requires("staff")
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, ANY_OBJECT, content_type=FHIR_JSON, description="A collection Bundle")
    def get(self, args, patient_id):
        """The patient as FHIR R4: Patient, vital-sign Observations, QuestionnaireResponses, the
        monitoring-window Flag, alerts as DetectedIssue and pages as Communication."""
        patient: Patient = load_patient_for_staff(patient_id)
        body = export_bundle(load_record(patient), base=_base(), now=utcnow(), since=args.get("since"))
        audit.record("fhir.export", patient_id=patient.id, target_type="patient", target_id=patient.id,
                     details={"since": args["since"].isoformat() if args.get("since") else None,
                              "resources": len(body["entry"])})
        db.session.commit()
        return _fhir(body)


@blp.route("/alerts/<int(max=2147483647):alert_id>/handoff")
class AlertHandoff(MethodView):
    @requires("staff")
    @blp.arguments(HandoffArgs, location="query")
    @blp.response(200, ANY_OBJECT, content_type=FHIR_JSON, description="A FHIR document Bundle")
    @blp.response(200, {"type": "string"}, content_type="text/html", description="The printable page")
    def get(self, args, alert_id):
        """ED hand-off: product, infusion date and day, latest vitals and ICE, the CRS/ICANS
        timeline, what was paged and acknowledged, and the centre's 24/7 line."""
        alert = load_alert_for_staff(alert_id)
        record, now = load_record(alert.patient), utcnow()
        summary = handoff_summary(record, alert, now)
        html = _wants_html(args)
        # Built before the commit below, which expires every loaded row.
        response = (handoff_page(summary) if html
                    else _fhir(handoff_document(record, alert, summary, base=_base(), now=now)))
        response.vary.add("Accept")
        audit.record("alert.handoff", patient_id=alert.patient_id, target_type="alert", target_id=alert.id,
                     details={"format": "html" if html else "fhir"})
        db.session.commit()
        return response
