"""Recording a report: store it, grade it, open or grow the alert, answer the patient — in one
transaction, so a report never exists without its grading and the pages it causes.

Idempotent on (patient, client_id): a retry with the same body gets the stored answer and
changes nothing; the same client_id with another body is a 409.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from app.db.bulk import insert_as_loaded
from app.db.dialect import is_postgres
from app.extensions import db
from app.models import Alert, CheckIn, Patient, Protocol, Report, StaffUser
from app.rules import Assessment, Finding, Level, fahrenheit_to_celsius
from app.services import audit
from app.services.alerts import ALERTING_LEVELS, raise_alert
from app.services.checkin_completion import complete_for_report
from app.services.errors import ConflictError, InvalidError
from app.services.grading import (
    HISTORY_WINDOW,
    grade,
    history_and_retry,
    history_window,
    instructions_for,
    thresholds_of,
)
from app.timesource import utcnow

log = logging.getLogger("vigil.reports")

# D1 (docs/clinical-rules.md): nothing before day -1 can belong to this treatment (lymphodepletion
# days aside); an earlier recorded_at is a wrong phone clock or a wrong patient.
EARLIEST_BEFORE_INFUSION = timedelta(days=1)


@dataclass
class RecordedReport:
    body: dict
    created: bool


def body_hash(data: dict) -> str:
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record_report(
    patient: Patient,
    data: dict,
    *,
    source: str,
    staff: StaffUser | None = None,
    partial: bool = False,
    patient_locked: bool = False,
) -> RecordedReport:
    """`patient_locked`: the caller already holds the patient's row lock in this transaction."""
    digest = body_hash(data)
    if not patient_locked:
        _lock_patient(patient)
    # One statement reads the history the rules need and finds a retry (the same client_id) if
    # there is one; a retry is answered from what is stored and never graded again.
    history, retry_of = history_and_retry(patient.id, data["recorded_at"], _look_back(patient), data["client_id"])
    if retry_of is not None:
        return RecordedReport(_stored_answer(db.session.get_one(Report, retry_of), digest), created=False)
    _check_recorded_at(patient, data["recorded_at"])
    _check_check_in(patient, data.get("check_in_id"))
    try:
        body = _store_and_grade(patient, data, digest, history, source=source, staff=staff, partial=partial)
        db.session.commit()
    except IntegrityError:
        # A concurrent retry of the same report won the insert; answer with what it stored.
        db.session.rollback()
        existing = _existing(patient.id, data["client_id"], digest)
        if existing is None:
            raise
        return RecordedReport(existing, created=False)
    return RecordedReport(body, created=True)


def _look_back(patient: Patient) -> timedelta:
    try:
        return history_window(thresholds_of(patient.protocol), patient.product)
    except Exception:  # noqa: BLE001 - grading will fail the same way, toward a human
        return HISTORY_WINDOW


def _lock_patient(patient: Patient) -> None:
    if is_postgres():
        # Serialise one patient's reports so two at once cannot both open "the" alert, and a retry
        # racing its original finds it. SQLite serialises writers by itself.
        db.session.execute(_LOCK_PATIENT, {"patient_id": patient.id}).scalar()


_PATIENTS = Patient.__table__
_LOCK_PATIENT = select(_PATIENTS.c.id).where(_PATIENTS.c.id == bindparam("patient_id")).with_for_update()


def _existing(patient_id: int, client_id: str, digest: str) -> dict | None:
    report = db.session.scalar(select(Report).where(Report.patient_id == patient_id, Report.client_id == client_id))
    return None if report is None else _stored_answer(report, digest)


def _stored_answer(report: Report, digest: str) -> dict:
    if report.body_hash != digest:
        raise ConflictError(
            "This client_id was already used for a different report.",
            code="client_id_conflict",
            fields={"client_id": ["Already used for a different report; use a new client_id."]},
        )
    return result_body(report)


def _check_recorded_at(patient: Patient, recorded_at: datetime) -> None:
    if recorded_at < patient.infused_at - EARLIEST_BEFORE_INFUSION:
        raise InvalidError(
            "Not valid: recorded_at",
            fields={"recorded_at": ["Is more than a day before the infusion; check the phone's clock."]},
        )


def _temperature(vitals: dict) -> tuple[float | None, str | None]:
    """Convert °F to °C for the rules (docs/clinical-rules.md T1) and keep what was entered."""
    if vitals.get("temperature_f") is not None:
        raw = vitals.pop("temperature_f")
        vitals["temperature_c"] = fahrenheit_to_celsius(raw)
        return raw, "F"
    if vitals.get("temperature_c") is not None:
        return vitals["temperature_c"], "C"
    return None, None


def _answers(block: dict | None) -> dict:
    return {k: v for k, v in (block or {}).items() if v is not None}


def new_report(patient: Patient, data: dict, digest: str, source: str, staff: StaffUser | None) -> Report:
    vitals = _answers(data.get("vitals"))
    raw_temperature, unit = _temperature(vitals)
    neuro = _answers(data.get("neuro"))
    return Report(
        patient_id=patient.id,
        client_id=data["client_id"],
        body_hash=digest,
        recorded_at=data["recorded_at"],
        received_at=utcnow(),
        reported_by=data.get("reported_by", "patient"),
        source=source,
        entered_by_staff_id=staff.id if staff else None,
        check_in_id=data.get("check_in_id"),
        temperature_raw=raw_temperature,
        temperature_unit=unit,
        symptoms=_answers(data.get("symptoms")),
        neuro=neuro,
        signs=_answers(data.get("signs")),
        ice_score=sum(neuro["ice"].values()) if neuro.get("ice") else None,
        antipyretic_in_last_6h=bool(data.get("antipyretic_in_last_6h")),
        note=data.get("note"),
        not_measured=sorted(data.get("not_measured") or ()),
        protocol_id=patient.protocol_id,
        **vitals,
    )


def _check_check_in(patient: Patient, check_in_id: int | None) -> None:
    if check_in_id is None:
        return
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None or check_in.patient_id != patient.id:
        raise InvalidError("Not valid: check_in_id", fields={"check_in_id": ["No such check-in for this patient."]})


def _grade_or_fail_toward_human(
    patient: Patient, report: Report, protocol: Protocol, history: list
) -> tuple[Assessment, bool]:
    try:
        return grade(patient, report, protocol, history=history), True
    except Exception:  # noqa: BLE001 - any grading failure must reach a human
        log.exception("grading failed for a report of patient %s", patient.id)
        finding = Finding(
            rule="grading_failed",
            level=Level.URGENT,
            summary="Report could not be graded automatically; a clinician must review it",
        )
        return Assessment(
            level=Level.URGENT,
            findings=(finding,),
            ice_score=report.ice_score,
            recheck_in_minutes=None,
            fever_may_be_masked=False,
        ), False


def _store_and_grade(
    patient: Patient, data: dict, digest: str, history: list, *, source: str, staff: StaffUser | None, partial: bool
) -> dict:
    protocol = patient.protocol
    report = new_report(patient, data, digest, source, staff)
    report.partial = partial
    # Graded before the insert, so the row is written once, complete.
    assessment, graded = _grade_or_fail_toward_human(patient, report, protocol, history)
    stored = {
        **assessment.to_dict(),
        "graded": graded,
        "instructions": instructions_for(patient, assessment),
        "ruleset": {"protocol_id": protocol.id, "version": protocol.version},
    }
    report.level, report.graded, report.assessment = assessment.level.label, graded, stored
    insert_as_loaded(report)
    # Only an alert keeps the thresholds (a routine report opens none); asdict is not free.
    thresholds = (
        {
            "protocol": thresholds_of(protocol).to_dict(),
            "fired": {f["rule"]: f["thresholds"] for f in stored["findings"] if f.get("thresholds")},
        }
        if report.level in ALERTING_LEVELS
        else None
    )
    change = raise_alert(
        patient,
        assessment.level.label,
        stored["findings"],
        now=report.received_at,
        kind="report" if graded else "grading_failed",
        report=report,
        assessment=stored,
        protocol=protocol,
        thresholds=thresholds,
    )
    if change is not None:
        report.alert_id = change.alert.id
    complete_for_report(patient, report, report.received_at)
    audit.record(
        "report.create", patient_id=patient.id, target_type="report", target_id=report.id, details={"source": source}
    )
    return result_body(report)


def result_body(report: Report) -> dict:
    alert = db.session.get(Alert, report.alert_id) if report.alert_id else None
    return {
        "report": {
            "id": report.id,
            "client_id": report.client_id,
            "recorded_at": report.recorded_at,
            "received_at": report.received_at,
        },
        "assessment": report.assessment,
        "alert": {"id": alert.id, "status": alert.status, "level": alert.level} if alert else None,
    }
