"""What happens on the line of a page's phone call: Twilio's call status callbacks
and the keypress gathered while the page is read out.

A call counts as reaching someone only when a person answered (AnsweredBy is not a machine);
no answer, busy, cancelled, failed and voicemail do not, and move the chain on at once. Callbacks
are idempotent and monotonic like the SMS ones: repeats and stragglers change nothing.
"""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.models import Alert, Notification, NotificationState, StaffUser
from app.services.escalation import page_not_reached
from app.services.inbound import acknowledge_by_code

# Twilio's call states in order (queued and initiated both mean "placed").
CALL_STATUS_ORDER = {
    "queued": 1,
    "initiated": 1,
    "ringing": 2,
    "in-progress": 3,
    "answered": 3,
    "completed": 4,
    "busy": 4,
    "no-answer": 4,
    "canceled": 4,
    "failed": 4,
}
UNANSWERED = ("busy", "no-answer", "canceled")
FINAL_CALL_STATES = (
    NotificationState.ANSWERED,
    NotificationState.UNANSWERED,
    NotificationState.FAILED,
    NotificationState.CANCELLED,
    NotificationState.UNCONFIRMED,
)


def by_machine(answered_by: str | None) -> bool:
    """Answering-machine detection: machine_start, machine_end_beep/silence/other, fax."""
    if not answered_by:
        return False
    return answered_by.startswith("machine") or answered_by == "fax"


def apply_call_status(
    row: Notification,
    status: str,
    *,
    call_sid: str | None,
    answered_by: str | None,
    error_code: str | None,
    now: datetime,
) -> bool:
    status = status.lower()
    rank = CALL_STATUS_ORDER.get(status)
    if rank is None or row.state in FINAL_CALL_STATES:
        return False
    if call_sid and not row.provider_sid:
        # Twilio names the call: from now on it is known to be placed, even if the process that
        # placed it died before recording it (outbox.release_stale_leases will not place it again).
        row.provider_sid = call_sid
    if by_machine(answered_by):
        state = NotificationState.UNANSWERED  # voicemail: nobody heard the page
    elif rank < 4:
        if rank > CALL_STATUS_ORDER.get(row.provider_status or "", 0):
            row.provider_status = status
        if answered_by == "human" and row.state in (NotificationState.SENDING, NotificationState.SENT):
            row.extra = {**row.extra, "answered_by": "human"}
        return True
    elif status == "completed":
        state = NotificationState.ANSWERED
    elif status in UNANSWERED:
        state = NotificationState.UNANSWERED
    else:
        state = NotificationState.FAILED
    row.provider_status, row.state, row.final_at = status, state, now
    row.error_code = error_code or row.error_code
    if answered_by:
        row.extra = {**row.extra, "answered_by": answered_by}
    if state != NotificationState.ANSWERED:
        page_not_reached(row, now)
    return True


def keypress(row: Notification, digits: str, now: datetime) -> str:
    """The called person pressed a key: 1 acknowledges exactly as texting `ACK <code>` does.
    Returns what the call says back: acknowledged, nothing changed, or "again" (any other key)."""
    if digits.strip() != "1":
        return "again"
    alert = db.session.get(Alert, row.alert_id) if row.alert_id else None
    person = db.session.get(StaffUser, row.staff_id) if row.staff_id else None
    if alert is None or person is None or not person.active:
        return "nothing_changed"
    if row.state in (NotificationState.SENDING, NotificationState.SENT):
        row.state, row.final_at = NotificationState.ANSWERED, now  # a person is on the line
        row.extra = {**row.extra, "keypress": "1"}
    return "acknowledged" if acknowledge_by_code([person], alert.ack_code, now, via="call") else "nothing_changed"
