"""Inbound SMS: staff acknowledge alerts with `ACK <code>`; patients answer check-ins.

STOP, START and HELP are Twilio's: with Advanced Opt-Out Twilio names the keyword it matched in
`OptOutType` (STOP, START or HELP, covering REVOKE, OPTOUT and every other word Twilio counts) and
has already answered it, so Vigil records it and never replies a second time. Vigil keeps no list
of its own; a STOP it never hears about still shows up as error 21610 on the next send
(app.services.opt_out). Each handler returns the reply text (or None)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AckFailure, Alert, AlertStatus, Center, Patient, StaffUser
from app.services import audit, sms_checkin
from app.services.alerts import acknowledge
from app.services.opt_out import caregiver_opted_in, caregiver_opted_out, patient_opted_out, staff_opted_out
from app.services.phones import is_caregiver
from app.services.reachability import phone_or_fallback
from app.sms.questions import text

ACK = re.compile(r"^\s*ack\s*#?\s*(\d{4,8})\s*$", re.IGNORECASE)
HELP_WORDS = {"help", "info"}  # answered only when Twilio did not (no OptOutType)

HELP_TEXT = "Vigil CAR T paging. Reply ACK and the 4-digit code in a page to acknowledge it. Reply STOP to stop."
UNKNOWN_SENDER = "This number is not registered with Vigil. Call the CAR T team directly if you need them."
UNKNOWN_COMMAND = "Vigil did not understand. To acknowledge a page reply ACK and its 4-digit code, e.g. ACK 4821."
AMBIGUOUS_SENDER = (
    "Vigil could not tell which patient this message is about, so it was not recorded. Call the CAR T team directly."
)


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


ACK_FAILURE_LIMIT = 10  # wrong ACK codes per phone per hour; codes are short, guessing must not pay
ACK_FAILURE_WINDOW = timedelta(hours=1)
NOTHING_ACKNOWLEDGED = (
    "Nothing was acknowledged for ACK {code}. Check the code in the page, or acknowledge from the page's link."
)
TOO_MANY_WRONG = "Too many wrong ACK codes from this phone. Acknowledge from the link in the page."
AMBIGUOUS = (
    "ACK {code} matches {count} open alerts ({centers}). Nothing was acknowledged: acknowledge from the "
    "link in the page you got."
)


def acknowledge_by_code(sender: list[StaffUser], code: str, now: datetime, *, via: str) -> bool:
    """`ACK <code>` from another channel (a keypress on a page's call): the same checks and the
    same acknowledgement. True when this acknowledged the alert."""
    return _ack_outcome(sender, code, now, via)[0]


def _ack(sender: list[StaffUser], code: str, now: datetime) -> str:
    return _ack_outcome(sender, code, now, "sms")[1]


def _ack_outcome(sender: list[StaffUser], code: str, now: datetime, via: str) -> tuple[bool, str]:
    """Acknowledge the one open alert the code names among the alerts the sender may act on
    (their centres; a platform administrator's: every centre). Codes are unique among open alerts
    when issued; should two still match (an older pair, or a collision), nothing is acknowledged
    and the sender is asked to use the page's link. A code that names nothing the sender may act
    on gets the same answer whether or not it exists elsewhere, and counts as a wrong attempt."""
    phone = sender[0].phone
    if _recent_failures(phone, now) >= ACK_FAILURE_LIMIT:
        return False, TOO_MANY_WRONG
    query = select(Alert).where(Alert.ack_code == code, Alert.status != AlertStatus.RESOLVED).order_by(Alert.id)
    if not any(p.is_platform_admin for p in sender):
        query = query.where(Alert.center_id.in_({p.center_id for p in sender if p.center_id is not None}))
    active = db.session.scalars(query).all()
    if not active:
        db.session.add(AckFailure(phone=phone, at=now))
        return False, NOTHING_ACKNOWLEDGED.format(code=code)
    if len(active) > 1:
        names = db.session.scalars(
            select(Center.name).where(Center.id.in_({a.center_id for a in active})).order_by(Center.name)
        ).all()
        return False, AMBIGUOUS.format(code=code, count=len(active), centers=", ".join(names))
    alert = active[0]
    person = next((p for p in sender if p.center_id == alert.center_id), sender[0])
    if alert.status == AlertStatus.ACKNOWLEDGED:
        return False, already_acknowledged(alert, person, code, via=via)
    acknowledge(alert, person, now, via=via)
    return True, f"Acknowledged alert {code}. Thank you, {person.name or person.email}; the others paged are told."


def _recent_failures(phone: str | None, now: datetime) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(AckFailure)
        .where(AckFailure.phone == phone, AckFailure.at > now - ACK_FAILURE_WINDOW)
    ).scalar_one()


def already_acknowledged(alert: Alert, person: StaffUser, code: str, *, via: str) -> str:
    """A second ACK changes nothing; it is audited as such, and says who took the alert first."""
    first = db.session.get(StaffUser, alert.acknowledged_by_id) if alert.acknowledged_by_id else None
    audit.record(
        "alert.ack",
        patient_id=alert.patient_id,
        target_type="alert",
        target_id=alert.id,
        details={"no_op": True, "via": via, "staff_id": person.id, "acknowledged_by_id": alert.acknowledged_by_id},
    )
    who = (first.name or first.email) if first else "someone"
    when = f" at {alert.acknowledged_at:%H:%M} UTC" if alert.acknowledged_at else ""
    return f"Alert {code} was already acknowledged by {who}{when}. Nothing changed."


def handle_patient_sms(
    patient: Patient, sender: str, body: str, now: datetime, keyword: str | None = None
) -> str | None:
    if is_caregiver(patient, sender) and keyword in ("stop", "start"):
        # The caregiver's phone only: the patient's own texts go on.
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
