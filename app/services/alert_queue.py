"""The care team's view of alerts: the queue (one order for the API and the queue page), an
alert's pages, and who the staff named in them are. Reads only."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Alert, AlertStatus, Notification, Patient, Report, StaffUser, most_serious_first
from app.services.access import in_own_center

# The queue's order: emergencies first, then urgent, then same-day; oldest first within a level.
LEVEL_ORDER = most_serious_first(Alert.level)


def queue_query(staff: StaffUser, status: str = "active") -> Select:
    """The staff member's centre's alerts (a platform administrator's: every centre's) of one
    status, or every one not resolved ("active"), in the queue's order."""
    query = select(Alert)
    if status == "active":
        query = query.where(Alert.status != AlertStatus.RESOLVED)
    else:
        query = query.where(Alert.status == status)
    return in_own_center(staff, query, Alert.center_id).order_by(LEVEL_ORDER, Alert.opened_at, Alert.id)


def active_queue(staff: StaffUser, limit: int) -> list[Alert]:
    """The queue page's alerts, with their patients and centres loaded in the same round trip."""
    query = queue_query(staff).options(selectinload(Alert.patient).selectinload(Patient.center)).limit(limit)
    return list(db.session.scalars(query))


def patient_alerts_query(patient: Patient) -> Select:
    """A patient's alerts, newest first."""
    return select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.opened_at.desc(), Alert.id.desc())


def alerts_of(patient: Patient) -> list[Alert]:
    return list(db.session.scalars(patient_alerts_query(patient)))


def notifications_of(alert: Alert) -> list[Notification]:
    """Every message sent about the alert (pages, calls, notices), oldest first."""
    return list(
        db.session.scalars(select(Notification).where(Notification.alert_id == alert.id).order_by(Notification.id))
    )


def last_pages(alert_ids: list[int]) -> dict[int, Notification]:
    """Each alert's latest page, by alert id."""
    if not alert_ids:
        return {}
    latest = (
        select(func.max(Notification.id))
        .where(Notification.alert_id.in_(alert_ids), Notification.purpose == "page")
        .group_by(Notification.alert_id)
    )
    rows = db.session.scalars(select(Notification).where(Notification.id.in_(latest)))
    return {n.alert_id: n for n in rows if n.alert_id is not None}


def staff_names(ids: set[int | None]) -> dict[int, str]:
    """How staff members are named on screen: their name, else their email."""
    wanted: set[int] = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u.name or u.email for u in db.session.scalars(select(StaffUser).where(StaffUser.id.in_(wanted)))}


def opening_report(alert: Alert) -> Report | None:
    return db.session.get(Report, alert.opening_report_id) if alert.opening_report_id else None
