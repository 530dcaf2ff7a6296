"""Enrolling patients and presenting them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Center, CheckIn, CheckInState, Patient, PatientStatus, Protocol
from app.protocols.schedule import monitoring_phase_label
from app.services import audit
from app.services.baseline import baseline_missing, relative_rules_off
from app.services.checkins import cancel_future, excuse_until, extend_schedule, regenerate_future
from app.services.enrollment import IssuedCode, issue_code
from app.services.errors import ConflictError, InvalidError
from app.services.milestones import plan_next
from app.services.phones import check_phones_free
from app.services.protocols import default_protocol_for, usable_at
from app.services.restrictions import compute_restrictions, day_after_infusion
from app.timesource import utcnow


def protocol_that_fits(protocol_id: int, product: str, center: Center) -> Protocol:
    """The version `protocol_id` names, if a patient of `center` on `product` may be put on it."""
    protocol = db.session.get(Protocol, protocol_id)
    if protocol is None or not usable_at(protocol, center.id):  # another centre's is as unknown as a missing one
        raise InvalidError("Unknown protocol.", fields={"protocol_id": ["No such protocol."]})
    if product not in protocol.products or protocol.jurisdiction != center.jurisdiction:
        raise InvalidError(
            "Protocol does not fit.",
            fields={"protocol_id": [f"Protocol is for {protocol.jurisdiction} {', '.join(protocol.products)}."]},
        )
    return protocol


def _choose_protocol(data: dict, center: Center) -> Protocol:
    if data.get("protocol_id"):
        return protocol_that_fits(data["protocol_id"], data["product"], center)
    protocol = default_protocol_for(data["product"], center.jurisdiction, center.id)
    if protocol is None:
        raise InvalidError(
            "No default protocol.",
            fields={"product": [f"No default protocol for {data['product']} in {center.jurisdiction}."]},
        )
    return protocol


def require_center_phone(center: Center) -> None:
    """Fail closed: a patient must always have a number to call (centres made before the phone
    was required have none until an admin sets it)."""
    if not center.phone:
        raise InvalidError(
            "This centre has no phone yet; an admin must set it before enrolling patients.",
            fields={"center_id": ["The centre has no care-team phone."]},
        )


def create_patient(data: dict, center: Center) -> tuple[Patient, IssuedCode]:
    duplicate = db.session.scalar(select(Patient.id).where(Patient.center_id == center.id, Patient.mrn == data["mrn"]))
    if duplicate is not None:
        raise ConflictError(
            "A patient with this MRN is already enrolled at this centre.",
            code="duplicate_mrn",
            fields={"mrn": ["Already enrolled at this centre."]},
        )
    check_phones_free(data["phone"], data.get("caregiver_phone"))
    require_center_phone(center)
    protocol = _choose_protocol(data, center)
    patient = Patient(
        center_id=center.id,
        mrn=data["mrn"],
        name=data["name"],
        phone=data["phone"],
        language=data["language"],
        timezone=data.get("timezone") or center.timezone,
        product=data["product"],
        infused_at=data["infused_at"],
        caregiver_name=data.get("caregiver_name"),
        caregiver_phone=data.get("caregiver_phone"),
        channel=data["channel"],
        protocol_id=protocol.id,
        baseline=data.get("baseline") or {},
    )
    db.session.add(patient)
    db.session.flush()
    extend_schedule(patient, utcnow())
    plan_next(patient)
    code = issue_code(patient)
    audit.record("patient.create", patient_id=patient.id, target_type="patient", target_id=patient.id)
    return patient, code


def update_patient(patient: Patient, data: dict, now: datetime) -> dict:
    """Apply a staff change. A new protocol applies from now on (future check-ins regenerated,
    past ones untouched); leaving active stops the schedule."""
    if "check_ins_excused_until" in data and data["check_ins_excused_until"] is None:
        data = {**data, "check_ins_excused_reason": None}  # ending an excusal ends its reason too
    changed = {k: v for k, v in data.items() if getattr(patient, k) != v}
    if (changed.get("status") == PatientStatus.ACTIVE or "caregiver_phone" in changed) and data.get(
        "status", patient.status
    ) == PatientStatus.ACTIVE:
        check_phones_free(
            patient.phone if "status" in changed else None,
            data.get("caregiver_phone", patient.caregiver_phone),
            exclude_id=patient.id,
        )
    if "caregiver_phone" in changed:
        patient.caregiver_sms_opted_out = False  # a new caregiver number has not said STOP
    for key, value in changed.items():
        setattr(patient, key, value)
    if "check_ins_excused_until" in changed:
        excuse_until(patient, changed["check_ins_excused_until"], now)
    if "protocol_id" in changed:
        db.session.flush()
        db.session.refresh(patient, ["protocol"])
        regenerate_future(patient, now)
    if changed.get("status") in (PatientStatus.COMPLETED, PatientStatus.WITHDRAWN):
        cancel_future(patient, now)
    elif changed.get("status") == PatientStatus.ACTIVE:
        extend_schedule(patient, now)
    plan_next(patient)
    return changed


def next_check_in(patient: Patient, now: datetime) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn)
        .where(CheckIn.patient_id == patient.id, CheckIn.state == CheckInState.PENDING, CheckIn.window_ends_at > now)
        .order_by(CheckIn.due_at)
        .limit(1)
    )


def check_in_view(check_in: CheckIn | None) -> dict | None:
    if check_in is None:
        return None
    return {
        c: getattr(check_in, c)
        for c in ("id", "due_at", "window_ends_at", "phase", "asks", "state", "completed_report_id", "missed_level")
    }


def patient_view(patient: Patient) -> dict:
    """The patient as the API shows it, with computed day and restriction dates."""
    protocol = patient.protocol
    restrictions = compute_restrictions(patient.infused_at, patient.timezone, protocol.settings.restrictions)
    now = utcnow()
    day = day_after_infusion(patient.infused_at, now, patient.timezone)
    return {
        **{
            c: getattr(patient, c)
            for c in (
                "id",
                "center_id",
                "mrn",
                "name",
                "phone",
                "language",
                "timezone",
                "product",
                "infused_at",
                "caregiver_name",
                "caregiver_phone",
                "status",
                "channel",
                "baseline",
                "check_ins_excused_until",
                "check_ins_excused_reason",
                "created_at",
            )
        },
        "day_after_infusion": day,
        "baseline_missing": baseline_missing(patient),
        "relative_rules_off": relative_rules_off(patient),
        "phase": monitoring_phase_label(protocol.settings, day),
        "next_check_in": check_in_view(next_check_in(patient, now)),
        "protocol": {"id": protocol.id, "family": protocol.family, "version": protocol.version, "name": protocol.name},
        **vars(restrictions),
    }
