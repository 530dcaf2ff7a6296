"""The alert's timeline: one row per thing that happened to it."""

from __future__ import annotations

from datetime import datetime

from app.db import bulk
from app.extensions import db
from app.models import Alert, AlertEvent, Report, StaffUser


def record(
    alert: Alert,
    kind: str,
    now: datetime,
    *,
    data: dict | None = None,
    report: Report | None = None,
    staff: StaffUser | None = None,
) -> None:
    row = {
        "alert_id": alert.id,
        "at": now,
        "kind": kind,
        "report_id": report.id if report else None,
        "staff_id": staff.id if staff else None,
        "data": data or {},
    }
    if bulk.active():  # a burst: written with the other events when the block ends
        bulk.add(AlertEvent, row)
    else:
        db.session.add(AlertEvent(**row))
