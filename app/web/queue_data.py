"""The alert queue's rows: one query for the alerts, one for their patients' last pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import PRODUCT_DISPLAY, Alert, Notification, Patient, StaffUser
from app.services.alert_queue import active_queue, last_pages, staff_names
from app.services.baseline import baseline_notice, relative_rules_are_off
from app.services.restrictions import day_after_infusion
from app.web.formatting import duration, top_findings

QUEUE_LIMIT = 200


@dataclass
class QueueRow:
    alert: Alert
    patient: Patient
    day: int
    product: str
    findings: list[dict]
    open_for: str
    last_page: Notification | None
    last_page_to: str | None
    # R20: set only when a relative rule is off for want of a day-0 baseline (not for SpO2 alone).
    baseline_notice: str | None = None


def queue_rows(staff: StaffUser, now: datetime) -> list[QueueRow]:
    # The queue's order (as GET /api/v1/alerts): emergencies, urgent, same-day; oldest first within.
    alerts = active_queue(staff, QUEUE_LIMIT)
    pages = last_pages([a.id for a in alerts])
    names = staff_names({n.staff_id for n in pages.values() if n.staff_id})
    rows = []
    for alert in alerts:
        patient, page = alert.patient, pages.get(alert.id)
        rows.append(
            QueueRow(
                alert=alert,
                patient=patient,
                day=day_after_infusion(patient.infused_at, now, patient.timezone),
                product=PRODUCT_DISPLAY.get(patient.product, patient.product),
                findings=top_findings(alert.findings),
                open_for=duration(now - alert.opened_at),
                last_page=page,
                last_page_to=names.get(page.staff_id) if page and page.staff_id else None,
                baseline_notice=baseline_notice(patient) if relative_rules_are_off(patient) else None,
            )
        )
    return rows
