"""Inbound SMS: staff acknowledge alerts with `ACK <code>`; patients answer check-ins.

STOP, START and HELP are Twilio's: with Advanced Opt-Out Twilio names the keyword it matched in
`OptOutType` (STOP, START or HELP, covering REVOKE, OPTOUT and every other word Twilio counts) and
has already answered it, so Vigil records it and never replies a second time. Vigil keeps no list
of its own; a STOP it never hears about still shows up as error 21610 on the next send
(app.services.opt_out). Each handler returns the reply text (or None)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Alert, Patient, StaffUser
from app.services import audit
from app.services.alerts import acknowledge
from app.services.opt_out import caregiver_opted_in, caregiver_opted_out, patient_opted_out, staff_opted_out
from app.services.phones import is_caregiver
from app.services.reachability import phone_or_fallback

ACK = re.compile(r"^\s*ack\s*#?\s*(\d{4,8})\s*$", re.IGNORECASE)
HELP_WORDS = {"help", "info"}  # answered only when Twilio did not (no OptOutType)

HELP_TEXT = "Vigil CAR T paging. Reply ACK and the 4-digit code in a page to acknowledge it. Reply STOP to stop."
UNKNOWN_SENDER = "This number is not registered with Vigil. Call the CAR T team directly if you need them."
UNKNOWN_COMMAND = "Vigil did not understand. To acknowledge a page reply ACK and its 4-digit code, e.g. ACK 4821."
AMBIGUOUS_SENDER = ("Vigil could not tell which patient this message is about, so it was not recorded. "
                    "Call the CAR T team directly.")


def opt_out_type(value: str | None) -> str | None:
    """Twilio's OptOutType (STOP, START, HELP), lower-case; None when Twilio matched no keyword."""
    value = (value or "").strip().lower()
    return value if value in ("stop", "start", "help") else None


def staff_by_phone(phone: str) -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).where(StaffUser.phone == phone, StaffUser.active.is_(True))))


def handle_staff_sms(sender: list[StaffUser], body: str, now: datetime, keyword: str | None = None) -> str | None:
    if keyword == "stop":
        staff_opted_out(sender, now)
        return None  # Twilio answers STOP itself; a reply would be refused
    if keyword == "start":
        for person in sender:
            person.sms_opted_out = False
        return None
    if keyword == "help":
        return None  # Twilio has answered it
    if body.strip().lower() in HELP_WORDS:
        return HELP_TEXT
    match = ACK.match(body)
    if not match:
        return UNKNOWN_COMMAND
    return _ack(sender, match.group(1), now)


def _ack(sender: list[StaffUser], code: str, now: datetime) -> str:
    centers = {p.center_id for p in sender if p.center_id is not None}
    admins = [p for p in sender if p.role == "admin"]
    query = select(Alert).where(Alert.ack_code == code).order_by(Alert.id.desc())
    if not admins:  # the phone must belong to staff of the alert's centre (admins: any centre)
        query = query.where(Alert.center_id.in_(centers))
    alerts = db.session.scalars(query).all()
    active = [a for a in alerts if a.status != "resolved"]
    if not active:
        if alerts:
            return f"Alert {code} is already closed. Nothing changed."
        return f"No alert with code {code} for your centre. Check the code in the page."
    alert = active[0]
    person = next((p for p in sender if p.center_id == alert.center_id), sender[0])
    if alert.status == "acknowledged":
        return already_acknowledged(alert, person, code, via="sms")
    acknowledge(alert, person, now, via="sms")
    return f"Acknowledged alert {code}. Thank you, {person.name or person.email}; the others paged are told."


def already_acknowledged(alert: Alert, person: StaffUser, code: str, *, via: str) -> str:
    """A second ACK changes nothing; it is audited as such, and says who took the alert first."""
    first = db.session.get(StaffUser, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    audit.record("alert.ack", patient_id=alert.patient_id, target_type="alert", target_id=alert.id,
                 details={"no_op": True, "via": via, "staff_id": person.id,
                          "acknowledged_by_id": alert.acknowledged_by_id})
    who = (first.name or first.email) if first else "someone"
    when = f" at {alert.acknowledged_at:%H:%M} UTC" if alert.acknowledged_at else ""
    return f"Alert {code} was already acknowledged by {who}{when}. Nothing changed."


def handle_patient_sms(patient: Patient, sender: str, body: str, now: datetime,
                       keyword: str | None = None) -> str | None:
    from app.services import sms_checkin
    from app.sms.questions import text

    if is_caregiver(patient, sender) and keyword in ("stop", "start"):
        # The caregiver's phone only: the patient's own texts go on (issue 15).
        if keyword == "stop":
            caregiver_opted_out(sender, now)
        else:
            caregiver_opted_in(sender)
        return None
    if keyword == "stop":
        patient_opted_out(patient, now, how="stop")
        return None  # Twilio confirms STOP itself
    if keyword == "start" and patient.sms_opted_out:
        patient.sms_opted_out = False
        return None
    if keyword == "help":
        return None  # Twilio has answered it
    if body.strip().lower() in HELP_WORDS:
        return text(patient.language, "help", phone=phone_or_fallback(patient.center, patient.language))
    return sms_checkin.handle_reply(patient, body, now)
