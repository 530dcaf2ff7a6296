"""Pages (outbox rows with purpose "page", and "call" for phone calls) as Communications about their
DetectedIssue; `medium` says which."""

from __future__ import annotations

from app.fhir.common import concept, instant, meta, patient_ref, ref, staff_ref
from app.fhir.detected_issue import issue_id
from app.models import Notification, NotificationState

COMMUNICATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/communication-category"
# Outbox state -> R4 EventStatus. "sent" is out of our hands but not confirmed delivered;
# "unconfirmed" means no delivery report came in time (the escalation treated it as not reached).
STATUS = {
    "pending": "preparation",
    "sending": "in-progress",
    "sent": "in-progress",
    "delivered": "completed",
    "undelivered": "stopped",
    "failed": "stopped",
    "unconfirmed": "unknown",
    "cancelled": "not-done",
    "answered": "completed",
    "unanswered": "stopped",
}
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
MEDIUM = {
    "sms": ("WRITTEN", "written", "SMS"),
    "call": ("PHONE", "telephone", "Phone call"),
    "push": ("ELECTRONIC", "electronic data", "App push notification"),
}
REASON = {
    "undelivered": "Carrier could not deliver the SMS",
    "failed": "The message could not be sent",
    "unanswered": "The call was not answered by a person (no answer, busy or voicemail)",
    "unconfirmed": "No delivery report in time; treated as not reached",
    "cancelled": "Not sent: the alert was acknowledged or resolved first",
}


def communication_id(notification_id: int) -> str:
    return f"comm-{notification_id}"


def _last_change(notification: Notification):
    # No updated_at on the outbox: the latest of its own timestamps is when its state last moved.
    return max(t for t in (notification.created_at, notification.sent_at, notification.final_at) if t is not None)


def _status_reason(notification: Notification) -> dict | None:
    reason = REASON.get(notification.state)
    if reason is None:
        return None
    return concept(text=f"{reason} (error {notification.error_code})" if notification.error_code else reason)


def _medium(channel: str) -> dict:
    code, display, text = MEDIUM.get(channel, MEDIUM["sms"])
    return concept({"system": PARTICIPATION_MODE, "code": code, "display": display}, text=text)


def page_communication(notification: Notification, patient_pk: int, staff_names: dict[int | None, str]) -> dict:
    """One page; pages carry no patient id of their own, so the alert's patient is passed in."""
    # A record's pages are loaded by their alerts (load_record), so each has one.
    assert notification.alert_id is not None
    communication = {
        "resourceType": "Communication",
        "id": communication_id(notification.id),
        "meta": meta(_last_change(notification)),
        "status": STATUS.get(notification.state, "unknown"),
        "category": [concept({"system": COMMUNICATION_CATEGORY, "code": "alert", "display": "Alert"})],
        "medium": [_medium(notification.channel)],
        "subject": patient_ref(patient_pk),
        "about": [ref("DetectedIssue", issue_id(notification.alert_id))],
        "recipient": [staff_ref(notification.staff_id, staff_names.get(notification.staff_id))],
        "sender": {"display": "Vigil"},
        "payload": [{"contentString": notification.body}],
    }
    if notification.escalation_step is not None:
        communication["note"] = [
            {
                "text": f"Escalation step {notification.escalation_step + 1}, "
                f"round {(notification.escalation_round or 0) + 1}"
            }
        ]
    if notification.sent_at is not None:
        communication["sent"] = instant(notification.sent_at)
    if (
        notification.state in (NotificationState.DELIVERED, NotificationState.ANSWERED)
        and notification.final_at is not None
    ):
        communication["received"] = instant(notification.final_at)
    if reason := _status_reason(notification):
        communication["statusReason"] = reason
    return communication
