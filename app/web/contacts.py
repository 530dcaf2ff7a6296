"""Which channel reached whom, and when, for one patient: the messages to the patient
and their caregiver, and the pages and calls about the patient's alerts, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Notification, NotificationState, StaffUser
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
    about = (
        or_(Notification.patient_id == patient_id, Notification.alert_id.in_(alert_ids))
        if alert_ids
        else Notification.patient_id == patient_id
    )
    rows = list(
        db.session.scalars(
            select(Notification)
            .where(about, Notification.state != NotificationState.CANCELLED)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(MAX_CONTACTS)
        )
    )
    staff_ids = {n.staff_id for n in rows if n.staff_id}
    names = (
        {u.id: u.name or u.email for u in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))}
        if staff_ids
        else {}
    )
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
