"""An alert's history as one chronological list: what happened, and every page with its fate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.models import AlertEvent, Notification, NotificationState
from app.web.formatting import LEVEL_LABELS, masked_phone
from app.web.forms import DISPOSITION_LABELS

PURPOSES = {"page": "Page", "call": "Call", "ack_notice": "Told: acknowledged", "patient_notice": "Patient told"}
CHANNELS = {"sms": "SMS", "push": "app push", "call": "phone call"}
REACHED = (
    NotificationState.DELIVERED,
    NotificationState.ANSWERED,
)  # the states in which the channel reached the person


@dataclass
class TimelineEntry:
    at: datetime
    what: str
    who: str
    delivery: str = ""
    delivery_state: str = ""  # for styling: delivered, failed, pending...
    channel: str = ""  # Which channel (SMS, phone call, app push)
    reached_at: datetime | None = None  # when it reached the person (delivered, or a call answered)


def _level(value: str | None) -> str:
    return LEVEL_LABELS.get(value or "", value or "?")


def _event_text(event: AlertEvent) -> str:
    data: dict[str, Any] = event.data or {}
    disposition = data.get("disposition", "")
    texts = {
        "opened": lambda: f"Opened: {_level(data.get('level'))} ({data.get('kind', 'report')})",
        "findings_added": lambda: f"{data.get('count', 'New')} finding(s) added",
        "upgraded": lambda: f"Upgraded from {_level(data.get('from'))} to {_level(data.get('to'))}",
        "acknowledged": lambda: f"Acknowledged (via {data.get('via', 'web')})",
        "resolved": lambda: "Resolved: " + DISPOSITION_LABELS.get(disposition, disposition),
        "escalation": lambda: f"Escalation step {data.get('step', '?')}: {data.get('reason', '')}".rstrip(": "),
        "no_one_on_call": lambda: f"No one on call for step {data.get('step', '?')}",
        "step_not_reached": lambda: f"No one at step {data.get('step', '?')} was reached",
        "nobody_reachable": lambda: f"Nobody reachable at step {data.get('step', '?')}: centre admins paged",
        "check_in_answered_late": lambda: "The missed check-in was answered late",
    }
    text = texts.get(event.kind)
    return text() if text else event.kind.replace("_", " ").capitalize()


def _delivery(n: Notification) -> str:
    parts = [n.state]
    if n.extra.get("keypress") == "1":
        parts.append("(pressed 1)")
    if n.provider_status and n.provider_status != n.state:
        parts.append(f"(carrier: {n.provider_status})")
    if n.error_code:
        parts.append(f"error {n.error_code}")
    if n.attempts > 1:
        parts.append(f"{n.attempts} attempts")
    return " ".join(parts)


def _page_entry(n: Notification, names: dict[int, str]) -> TimelineEntry:
    what = PURPOSES.get(n.purpose, n.purpose.replace("_", " ").capitalize())
    if n.purpose in ("page", "call") and n.escalation_step is not None:
        what += f" — step {n.escalation_step + 1}, round {(n.escalation_round or 0) + 1}"
    who = names.get(n.staff_id, "staff") if n.staff_id else ("patient" if n.purpose == "patient_notice" else "—")
    return TimelineEntry(
        at=n.created_at,
        what=what,
        who=f"{who} ({masked_phone(n.to_phone)})",
        delivery=_delivery(n),
        delivery_state=n.state,
        channel=CHANNELS.get(n.channel, n.channel),
        reached_at=n.final_at if n.state in REACHED else None,
    )


def timeline(events: list[AlertEvent], notifications: list[Notification], names: dict[int, str]) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(at=e.at, what=_event_text(e), who=names.get(e.staff_id, "") if e.staff_id else "") for e in events
    ]
    entries += [_page_entry(n, names) for n in notifications]
    return sorted(entries, key=lambda e: e.at)
