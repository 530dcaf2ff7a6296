"""FHIR R4 export of a patient and the ED hand-off packet of an alert."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.api.alerts import load_alert_for_staff
from app.api.security import load_patient_for_staff, requires
from app.extensions import db
from app.fhir.bundle import export_bundle, handoff_document
from app.fhir.codesystem import code_system
from app.fhir.common import vigil_cs
from app.fhir.handoff import handoff_summary
from app.fhir.record import load_record
from app.models import Patient
from app.schemas.common import AwareDateTime, StrictSchema
from app.schemas.presenters import handoff_page, private
from app.services import audit
from app.timesource import utcnow

blp = Blueprint("fhir", __name__, url_prefix="/api/v1", description="FHIR R4 export and ED hand-off")

FHIR_JSON = "application/fhir+json"
# What a generator needs to know of a Bundle; the resources inside are FHIR R4 (validated in tests).
BUNDLE = {
    "type": "object",
    "description": "A FHIR R4 Bundle",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]},
        "id": {"type": "string"},
        "type": {"type": "string", "enum": ["collection", "document"]},
        "timestamp": {"type": "string", "format": "date-time"},
        "entry": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fullUrl", "resource"],
                "properties": {
                    "fullUrl": {"type": "string", "description": "urn:uuid:..."},
                    "resource": {"type": "object", "additionalProperties": True},
                },
            },
        },
    },
}
HTML = {"type": "string", "description": "One printable HTML page"}
# FHIR clients name the format in `_format` (FHIR R4 http.html#mime); JSON is all Vigil writes.
FHIR_FORMATS = ("json", "application/json", "application/fhir+json", "fhir+json")
HTML_FORMATS = ("html", "text/html")


def _format_field(values: tuple[str, ...]) -> fields.String:
    return fields.String(
        data_key="_format",
        validate=validate.OneOf(values),
        metadata={"description": "FHIR's `_format`: " + ", ".join(f"`{v}`" for v in values) + " (XML is not offered)."},
    )


class ExportArgs(StrictSchema):
    fhir_format = _format_field(FHIR_FORMATS)
    since = AwareDateTime(
        data_key="_since",
        metadata={
            "description": "ISO 8601 instant with a time zone: only resources whose meta.lastUpdated is later. "
            "Pass the previous export's Bundle.timestamp minus a margin (ids are stable, so "
            "repeats are harmless, while a gap would lose data)."
        },
    )


class HandoffArgs(StrictSchema):
    format = fields.String(
        validate=validate.OneOf(("json", "html")),
        metadata={
            "description": "`html` for the printable page; without it, `Accept: text/html` chooses the page too."
        },
    )
    fhir_format = _format_field(FHIR_FORMATS + HTML_FORMATS)


def _fhir(body: dict) -> Response:
    return private(Response(json.dumps(body, ensure_ascii=False), mimetype=FHIR_JSON))


def _wants_html(args: dict) -> bool:
    if "format" in args:
        return args["format"] == "html"
    if "fhir_format" in args:
        return args["fhir_format"] in HTML_FORMATS
    return request.accept_mimetypes.best_match([FHIR_JSON, "application/json", "text/html"]) == "text/html"


@blp.route("/patients/<int(max=2147483647):patient_id>/fhir")
class PatientFhir(MethodView):
    @requires("staff")
    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, BUNDLE, content_type=FHIR_JSON, description="A collection Bundle")
    def get(self, args, patient_id):
        """The patient as FHIR R4: Patient, vital-sign Observations, QuestionnaireResponses, the
        monitoring-window Flag, alerts as DetectedIssue and pages as Communication."""
        patient: Patient = load_patient_for_staff(patient_id)
        body = export_bundle(load_record(patient), now=utcnow(), since=args.get("since"))
        audit.record(
            "fhir.export",
            patient_id=patient.id,
            target_type="patient",
            target_id=patient.id,
            details={
                "since": args["since"].isoformat() if args.get("since") else None,
                "resources": len(body["entry"]),
            },
        )
        db.session.commit()
        return _fhir(body)


@blp.route("/alerts/<int(max=2147483647):alert_id>/handoff")
class AlertHandoff(MethodView):
    @requires("staff")
    @blp.arguments(HandoffArgs, location="query")
    @blp.doc(
        responses={
            "200": {
                "description": "The hand-off in two representations, chosen by `format`/`_format` or `Accept`: a FHIR "
                "document Bundle (Composition first), or one printable HTML page for the ED.",
                "content": {FHIR_JSON: {"schema": BUNDLE}, "text/html": {"schema": HTML}},
            }
        }
    )
    def get(self, args, alert_id):
        """ED hand-off: product, infusion date and day, latest vitals and ICE, the CRS/ICANS
        timeline, what was paged and acknowledged, and the centre's 24/7 line."""
        alert = load_alert_for_staff(alert_id)
        record, now = load_record(alert.patient), utcnow()
        summary = handoff_summary(record, alert, now)
        html = _wants_html(args)
        # Built before the commit below, which expires every loaded row.
        response = handoff_page(summary) if html else _fhir(handoff_document(record, alert, summary, now=now))
        response.vary.add("Accept")
        audit.record(
            "alert.handoff",
            patient_id=alert.patient_id,
            target_type="alert",
            target_id=alert.id,
            details={"format": "html" if html else "fhir"},
        )
        db.session.commit()
        return response


def register_code_system(app: Flask) -> None:
    """Serve the local CodeSystem at its canonical URL's path (and at the default path, for a
    canonical URL hosted elsewhere). Terminology only, no health data: no sign-in needed."""
    with app.app_context():
        paths = {urlsplit(vigil_cs()).path or "/fhir/CodeSystem/vigil", "/fhir/CodeSystem/vigil"}
    for n, path in enumerate(sorted(paths)):
        app.add_url_rule(path, f"fhir_code_system_{n}", _code_system_view)


def _code_system_view() -> Response:
    return Response(
        json.dumps(code_system(), ensure_ascii=False),
        mimetype=FHIR_JSON,
        headers={"Cache-Control": "public, max-age=3600"},
    )
