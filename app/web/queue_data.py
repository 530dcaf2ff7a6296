"""The alert queue's rows: one query for the alerts, one for their patients' last pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.api.alerts import LEVEL_ORDER
from app.extensions import db
from app.models import PRODUCT_DISPLAY, Alert, AlertStatus, Notification, Patient, StaffUser
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


def _alerts(staff: StaffUser) -> list[Alert]:
    # The queue's order (as GET /api/v1/alerts): emergencies, urgent, same-day; oldest first within.
    query = (
        select(Alert)
        .where(Alert.status != AlertStatus.RESOLVED)
        .options(selectinload(Alert.patient).selectinload(Patient.center))
        .order_by(LEVEL_ORDER, Alert.opened_at, Alert.id)
        .limit(QUEUE_LIMIT)
    )
    if not staff.is_platform_admin:
        query = query.where(Alert.center_id == staff.center_id)
    return list(db.session.scalars(query))


def _last_pages(alert_ids: list[int]) -> dict[int, Notification]:
    if not alert_ids:
        return {}
    latest = (
        select(func.max(Notification.id))
        .where(Notification.alert_id.in_(alert_ids), Notification.purpose == "page")
        .group_by(Notification.alert_id)
    )
    rows = db.session.scalars(select(Notification).where(Notification.id.in_(latest)))
    return {n.alert_id: n for n in rows}


def _names(staff_ids: set[int]) -> dict[int, str]:
    if not staff_ids:
        return {}
    return {u.id: u.name or u.email for u in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))}


def queue_rows(staff: StaffUser, now: datetime) -> list[QueueRow]:
    alerts = _alerts(staff)
    pages = _last_pages([a.id for a in alerts])
    names = _names({n.staff_id for n in pages.values() if n.staff_id})
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
