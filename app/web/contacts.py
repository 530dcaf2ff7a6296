"""Which channel reached whom, and when, for one patient: the messages to the patient
and their caregiver, and the pages and calls about the patient's alerts, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import Notification, NotificationState
from app.services.alert_queue import staff_names
from app.services.patient_records import messages_about
from app.web.alert_timeline import CHANNELS, PURPOSES, REACHED
from app.web.formatting import delivery_label, masked_phone

MAX_CONTACTS = 50


@dataclass
class Contact:
    at: datetime
    what: str
    who: str
    channel: str
    outcome: str
    reached_at: datetime | None
    alert_id: int | None


def contact_history(patient_id: int, alert_ids: list[int]) -> list[Contact]:
    rows = messages_about(patient_id, alert_ids, MAX_CONTACTS)
    names = staff_names({n.staff_id for n in rows})
    return [
        Contact(
            at=n.created_at,
            what=PURPOSES.get(n.purpose, n.purpose.replace("_", " ").capitalize()),
            who=f"{_who(n, names)} ({masked_phone(n.to_phone)})",
            channel=CHANNELS.get(n.channel, n.channel),
            outcome=delivery_label(n.state),
            reached_at=n.final_at
            if n.state in REACHED
            else n.sent_at
            if n.channel == "push" and n.state == NotificationState.SENT
            else None,
            alert_id=n.alert_id,
        )
        for n in rows
    ]


def _who(n: Notification, names: dict[int, str]) -> str:
    if n.staff_id:
        return names.get(n.staff_id, "staff")
    return "caregiver" if n.dedupe_key.endswith(":caregiver") else "patient"
