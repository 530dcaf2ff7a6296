"""Opt-outs, per phone: who said STOP (or whom Twilio refuses to text, error 21610)
stops getting texts, and whoever depends on that phone is told.

- A patient: an alert, since the team has lost the patient's channel.
- A caregiver: only the caregiver's phone; the patient's texts go on.
- A staff member: pages skip them from now on, and the centre's admins are warned, since a roster
  or chain naming them now reaches one person fewer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Center, ConversationState, Notification, Patient, PatientStatus, StaffUser
from app.notify.gsm import to_gsm7
from app.services import audit, outbox
from app.services.alerts import raise_alert
from app.services.escalation import center_admins
from app.services.restrictions import day_after_infusion
from app.services.sms_checkin import active_conversation, finish_timed_out

UNSUBSCRIBED = "21610"  # Twilio: the recipient replied STOP; sends to them are refused


def patient_opted_out(patient: Patient, now: datetime, *, how: str) -> None:
    """Losing a patient's only channel is something the team must act on, so it is an alert:
    urgent within the monitoring window, same-day after it."""
    if patient.sms_opted_out:
        return
    patient.sms_opted_out = True
    conversation = active_conversation(patient.id, lock=True)
    if conversation is not None:
        finish_timed_out(conversation, now)
        conversation.state = ConversationState.STOPPED
    monitoring_days = patient.protocol.settings.restrictions.monitoring_days
    level = "urgent" if day_after_infusion(patient.infused_at, now, patient.timezone) <= monitoring_days else "same_day"
    summary = (
        "Patient replied STOP: Vigil can no longer text them; call the patient"
        if how == "stop"
        else "Twilio refuses to text the patient (they opted out, error 21610): Vigil can no longer text them; "
        "call the patient"
    )
    raise_alert(
        patient,
        level,
        [{"rule": "sms_opt_out", "level": level, "thresholds": {}, "summary": summary}],
        now=now,
        kind="sms_opt_out",
        protocol=patient.protocol,
    )


def caregiver_opted_out(phone: str, now: datetime) -> None:
    """The number said STOP, so no patient's caregiver texts go to it any more (Twilio refuses
    them anyway); the patients' own texts go on."""
    for patient in db.session.scalars(
        select(Patient).where(Patient.caregiver_phone == phone, Patient.caregiver_sms_opted_out.is_(False))
    ):
        patient.caregiver_sms_opted_out = True
        audit.record("patient.caregiver_opt_out", patient_id=patient.id, target_type="patient", target_id=patient.id)


def caregiver_opted_in(phone: str) -> None:
    for patient in db.session.scalars(select(Patient).where(Patient.caregiver_phone == phone)):
        patient.caregiver_sms_opted_out = False


def staff_opted_out(people: list[StaffUser], now: datetime) -> None:
    for person in people:
        if person.sms_opted_out:
            continue
        person.sms_opted_out = True
        audit.record("staff.sms_opt_out", target_type="staff", target_id=person.id)
        if person.center_id is None:
            continue
        center = db.session.get_one(Center, person.center_id)
        warning = to_gsm7(
            f"VIGIL: {person.name or person.email} ({person.role}) at {center.name} replied STOP: "
            "Vigil can no longer page them by SMS and skips them in every chain until they text "
            "START. Check the on-call roster."
        )
        for admin in center_admins(person.center_id):
            if admin.id == person.id or not admin.phone or admin.sms_opted_out:
                continue
            outbox.queue(
                dedupe_key=f"staff-stop:{person.id}:{now.isoformat()}:{admin.id}",
                purpose="staff_opt_out",
                to_phone=admin.phone,
                body=warning,
                now=now,
                staff_id=admin.id,
            )


def unsubscribed_if_21610(row: Notification, now: datetime) -> None:
    """A message not delivered for good (the outbox tells, see `outbox.when_not_delivered`):
    Twilio refused the number because it opted out, as good as hearing its STOP."""
    if row.error_code == UNSUBSCRIBED:
        recipient_unsubscribed(row, now)


def recipient_unsubscribed(row: Notification, now: datetime) -> None:
    """Twilio refused a message with 21610: the number opted out without Vigil hearing the STOP
    (Advanced Opt-Out off, or the webhook lost). Treat it as that STOP."""
    patient = db.session.get(Patient, row.patient_id) if row.patient_id else None
    if patient is not None and patient.status == PatientStatus.ACTIVE and row.to_phone == patient.phone:
        patient_opted_out(patient, now, how="21610")
    elif patient is not None and row.to_phone == patient.caregiver_phone:
        caregiver_opted_out(row.to_phone, now)
    elif row.staff_id is not None:
        person = db.session.get(StaffUser, row.staff_id)
        if person is not None and person.phone == row.to_phone:
            staff_opted_out([person], now)
