"""Inbound SMS: staff acknowledge alerts with `ACK <code>`; patients answer check-ins; STOP,
START and HELP follow Twilio's conventions. Each handler returns the reply text (or None)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import AckFailure, Alert, Center, Patient, StaffUser
from app.services.alerts import acknowledge, raise_alert
from app.services.restrictions import day_after_infusion

ACK = re.compile(r"^\s*ack\s*#?\s*(\d{4,8})\s*$", re.IGNORECASE)
STOP_WORDS = {"stop", "stopall", "unsubscribe", "cancel", "end", "quit"}
START_WORDS = {"start", "yes", "unstop"}
HELP_WORDS = {"help", "info"}

HELP_TEXT = "Vigil CAR T paging. Reply ACK and the 4-digit code in a page to acknowledge it. Reply STOP to stop."
UNKNOWN_SENDER = "This number is not registered with Vigil. Call the CAR T team directly if you need them."
UNKNOWN_COMMAND = "Vigil did not understand. To acknowledge a page reply ACK and its 4-digit code, e.g. ACK 4821."


def staff_by_phone(phone: str) -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).where(StaffUser.phone == phone, StaffUser.active.is_(True))))


def handle_staff_sms(sender: list[StaffUser], body: str, now: datetime) -> str | None:
    word = body.strip().lower()
    if word in STOP_WORDS:
        for person in sender:
            person.sms_opted_out = True
        return None  # Twilio answers STOP itself; a reply would be refused
    if word in START_WORDS:
        for person in sender:
            person.sms_opted_out = False
        return None
    if word in HELP_WORDS:
        return HELP_TEXT
    match = ACK.match(body)
    if not match:
        return UNKNOWN_COMMAND
    return _ack(sender, match.group(1), now)


ACK_FAILURE_LIMIT = 10  # wrong ACK codes per phone per hour; codes are short, guessing must not pay
ACK_FAILURE_WINDOW = timedelta(hours=1)
NOTHING_ACKNOWLEDGED = ("Nothing was acknowledged for ACK {code}. Check the code in the page, or acknowledge "
                        "from the page's link.")
TOO_MANY_WRONG = "Too many wrong ACK codes from this phone. Acknowledge from the link in the page."
AMBIGUOUS = ("ACK {code} matches {count} open alerts ({centres}). Nothing was acknowledged: acknowledge from the "
             "link in the page you got.")


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
    query = select(Alert).where(Alert.ack_code == code, Alert.status != "resolved").order_by(Alert.id)
    if not any(p.is_platform_admin for p in sender):
        query = query.where(Alert.center_id.in_({p.center_id for p in sender if p.center_id is not None}))
    active = db.session.scalars(query).all()
    if not active:
        db.session.add(AckFailure(phone=phone, at=now))
        return False, NOTHING_ACKNOWLEDGED.format(code=code)
    if len(active) > 1:
        names = db.session.scalars(select(Center.name).where(Center.id.in_({a.center_id for a in active}))
                                   .order_by(Center.name)).all()
        return False, AMBIGUOUS.format(code=code, count=len(active), centres=", ".join(names))
    alert = active[0]
    person = next((p for p in sender if p.center_id == alert.center_id), sender[0])
    if alert.status == "acknowledged":
        return False, f"Alert {code} was already acknowledged. Nothing changed."
    acknowledge(alert, person, now, via=via)
    return True, f"Acknowledged alert {code}. Thank you, {person.name or person.email}; the others paged are told."


def _recent_failures(phone: str, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(AckFailure).where(
        AckFailure.phone == phone, AckFailure.at > now - ACK_FAILURE_WINDOW))


def handle_patient_sms(patient: Patient, body: str, now: datetime) -> str | None:
    from app.services import sms_checkin
    from app.sms.questions import text

    word = body.strip().lower()
    if word in STOP_WORDS:
        _patient_opted_out(patient, now)
        return None  # Twilio confirms STOP itself
    if word in START_WORDS and patient.sms_opted_out:
        patient.sms_opted_out = False
        return None
    if word in HELP_WORDS:
        return text(patient.language, "help", phone=patient.center.phone or "")
    return sms_checkin.handle_reply(patient, body, now)


def _patient_opted_out(patient: Patient, now: datetime) -> None:
    """STOP ends texting; losing a patient's only channel is something the team must act on, so it
    is an alert: urgent within the monitoring window, same-day after it."""
    from app.services.sms_checkin import active_conversation, finish_timed_out

    patient.sms_opted_out = True
    conversation = active_conversation(patient.id, lock=True)
    if conversation is not None:
        finish_timed_out(conversation, now)
        conversation.state = "stopped"
    monitoring_days = patient.protocol.content["restrictions"]["monitoring_days"]
    level = "urgent" if day_after_infusion(patient.infused_at, now, patient.timezone) <= monitoring_days else "same_day"
    raise_alert(patient, level, [{"rule": "sms_opt_out", "level": level, "thresholds": {},
                                  "summary": "Patient replied STOP: Vigil can no longer text them; call the patient"}],
                now=now, kind="sms_opt_out", protocol=patient.protocol)
