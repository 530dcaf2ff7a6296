"""The patient's check-in page, opened from the signed link in the reminder SMS.

No password: the signed token is the key, and it expires with the check-in's window. The page
speaks the patient's language (flask_babel.force_locale), asks the check-in's questions, and
posts through the same service as POST /me/reports, so grading, alerts and pages are identical.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, g, render_template, request
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import CheckIn, CheckInState, Patient, Report
from app.schemas.common import flatten_messages
from app.schemas.report import ReportSchema
from app.services import audit
from app.services.checkin_links import CheckInLinkError, load_check_in
from app.services.errors import DomainError
from app.services.patient_records import report_by_client_id
from app.services.reports import record_report, result_body
from app.timesource import utcnow
from app.web.blueprints import checkin_bp
from app.web.checkin_questions import (
    CANT_MEASURE_AFTER,
    CANT_MEASURE_LABEL,
    FREQUENCY,
    FREQUENCY_SYMPTOMS,
    ICE_PARTS,
    LIMB_SIDES,
    NEURO_LABELS,
    SEVERITY,
    SIGN_LABELS,
    SYMPTOM_LABELS,
    VITAL_LABELS,
    field_for,
    questions_for,
    report_body,
)

EMERGENCY_NUMBERS = {"US": "911", "UK": "999", "EU": "112"}  # action level "emergency" (docs/clinical-rules.md)


@dataclass
class LinkActor:
    """Who the audit trail and the locale selector see on a check-in page: the patient."""

    patient: Patient
    staff: None = None
    audit_type: str = "patient"

    @property
    def id(self) -> int:
        return self.patient.id


def _language(patient: Patient | None) -> str:
    if patient is not None:
        return patient.language
    languages = current_app.config["LANGUAGES"]
    return request.accept_languages.best_match(languages) or languages[0]


def _refusal(reason: str, patient: Patient | None):
    status = {"invalid": 404, "expired": 410, "closed": 410}.get(reason, 400)
    with force_locale(_language(patient)):
        page = render_template(
            "web/checkin_refused.html",
            reason=reason,
            patient=patient,
            lang=_language(patient),
            phone=patient.center.phone if patient else None,
        )
    return page, status


def _open(token: str) -> CheckIn:
    """The check-in, or a CheckInLinkError; sets the actor so audit and locale name the patient."""
    # A link at the end of an SMS sentence may arrive with the full stop; tokens never end in one.
    check_in = load_check_in(token.rstrip("."), utcnow())
    if check_in.state in (CheckInState.CANCELLED, CheckInState.EXCUSED):
        raise CheckInLinkError("closed", check_in)
    g.actor = LinkActor(db.session.get_one(Patient, check_in.patient_id))
    return check_in


def _render(template: str, check_in: CheckIn, status: int = 200, **context):
    patient = g.actor.patient
    # Weekday names in the patient's language, clock time in the patient's zone.
    window_end = format_datetime(
        check_in.window_ends_at, "EEEE HH:mm", tzinfo=ZoneInfo(patient.timezone), locale=patient.language
    )
    with force_locale(patient.language):
        page = render_template(
            template,
            check_in=check_in,
            patient=patient,
            lang=patient.language,
            q=questions_for(check_in.asks),
            first_name=(patient.name.split() or [""])[0],
            window_end=window_end,
            symptom_labels=SYMPTOM_LABELS,
            severity=SEVERITY,
            frequency=FREQUENCY,
            frequency_symptoms=FREQUENCY_SYMPTOMS,
            limb_sides=LIMB_SIDES,
            neuro_labels=NEURO_LABELS,
            sign_labels=SIGN_LABELS,
            ice_parts=ICE_PARTS,
            vital_labels=VITAL_LABELS,
            phone=patient.center.phone,
            cant_measure_after=CANT_MEASURE_AFTER,
            cant_measure_label=CANT_MEASURE_LABEL,
            emergency_number=EMERGENCY_NUMBERS.get(patient.center.jurisdiction, "112"),
            **context,
        )
    return page, status


def _result(check_in: CheckIn, body: dict, *, already: bool = False):
    return _render(
        "web/checkin_result.html",
        check_in,
        result=body,
        already=already,
        lines=[line for line in (body["assessment"].get("instructions") or "").split("\n") if line],
    )


def _form(check_in: CheckIn, values: MultiDict | None = None, problems: dict | None = None, status: int = 200):
    default_unit = "F" if g.actor.patient.center.jurisdiction == "US" else "C"
    values = values or MultiDict(
        {"client_id": f"web-{check_in.id}-{secrets.token_hex(8)}", "temperature_unit": default_unit}
    )
    return _render("web/checkin.html", check_in, values=values, problems=problems or {}, status=status)


def _stored(patient_id: int, client_id: str | None) -> Report | None:
    if not client_id:
        return None
    return report_by_client_id(patient_id, client_id)


def _patient_of(check_in: CheckIn | None) -> Patient | None:
    return db.session.get(Patient, check_in.patient_id) if check_in is not None else None


@checkin_bp.route("/c/<token>", methods=["GET"])
def show(token: str):
    try:
        check_in = _open(token)
    except CheckInLinkError as refused:
        return _refusal(refused.reason, _patient_of(refused.check_in))
    audit.record("check_in.link_open", patient_id=check_in.patient_id, target_type="check_in", target_id=check_in.id)
    db.session.commit()
    if check_in.state == CheckInState.COMPLETED and check_in.completed_report_id:
        return _result(check_in, result_body(db.session.get_one(Report, check_in.completed_report_id)), already=True)
    return _form(check_in)


@checkin_bp.route("/c/<token>", methods=["POST"])
def submit(token: str):
    try:
        check_in = _open(token)
    except CheckInLinkError as refused:
        return _refusal(refused.reason, _patient_of(refused.check_in))
    patient, form = g.actor.patient, request.form
    stored = _stored(patient.id, form.get("client_id"))
    if stored is not None:  # the same form sent twice (a double tap, a reload): show what was recorded
        return _result(check_in, result_body(stored))
    # A different form after the check-in was completed (the caregiver's, opened before the
    # patient sent theirs) is a report of its own: stored and graded, never dropped.
    raw, problems = report_body(
        form,
        questions_for(check_in.asks),
        client_id=form.get("client_id") or "",
        recorded_at=utcnow().isoformat(),
        check_in_id=check_in.id,
    )
    try:
        data = ReportSchema().load(raw)
    except ValidationError as exc:
        problems.update({field_for(path): "invalid" for path in flatten_messages(exc.messages)})
    if problems:
        return _form(check_in, form, problems, status=422)
    try:
        recorded = record_report(patient, data, source="web")
    except DomainError as exc:
        return _form(check_in, form, {"_form": "invalid", **{field_for(k): "invalid" for k in exc.fields}}, 422)
    return _result(check_in, recorded.body)


def _csrf_refused(error: CSRFError):
    return _refusal("form_expired", None)


checkin_bp.register_error_handler(CSRFError, _csrf_refused)
