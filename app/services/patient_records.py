"""Reading a patient's record for the care team: which patients a staff member's lists show, and
a patient's reports, check-ins, alerts and messages. Reads only; centre scoping is
app/services/access.py's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import CheckIn, CheckInState, Notification, NotificationState, Patient, PatientStatus, Report, StaffUser
from app.services.access import in_own_center


def patients_query(staff: StaffUser, *, center_id: int | None = None, status: str | None = None) -> Select:
    """The patients a staff member may list, by id, optionally of one centre and one status."""
    query = in_own_center(staff, select(Patient).order_by(Patient.id), Patient.center_id)
    if center_id is not None:
        query = query.where(Patient.center_id == center_id)
    if status is not None:
        query = query.where(Patient.status == status)
    return query


def visible_patients(staff: StaffUser, *, active_only: bool = True) -> list[Patient]:
    """The patient list page's patients, with protocol and centre, most recent infusions first:
    they are in the riskiest days."""
    query = select(Patient).options(selectinload(Patient.protocol), selectinload(Patient.center))
    if active_only:
        query = query.where(Patient.status == PatientStatus.ACTIVE)
    query = in_own_center(staff, query, Patient.center_id)
    return list(db.session.scalars(query.order_by(Patient.infused_at.desc(), Patient.id)))


def reports_query(patient_id: int) -> Select:
    """A patient's reports, newest first."""
    return select(Report).where(Report.patient_id == patient_id).order_by(Report.recorded_at.desc(), Report.id.desc())


def recent_reports(patient_id: int, limit: int) -> list[Report]:
    return list(db.session.scalars(reports_query(patient_id).limit(limit)))


def report_by_client_id(patient_id: int, client_id: str) -> Report | None:
    return db.session.scalar(select(Report).where(Report.patient_id == patient_id, Report.client_id == client_id))


def check_ins_query(patient_id: int, state: str | None = None) -> Select:
    """A patient's check-ins in the order they fall due, optionally of one state."""
    query = select(CheckIn).where(CheckIn.patient_id == patient_id).order_by(CheckIn.due_at, CheckIn.id)
    return query if state is None else query.where(CheckIn.state == state)


def check_ins_of(patient_id: int) -> list[CheckIn]:
    return list(db.session.scalars(check_ins_query(patient_id)))


def messages_about(patient_id: int, alert_ids: list[int], limit: int) -> list[Notification]:
    """The messages to the patient and their caregiver, and the pages and calls about the
    patient's alerts, newest first (cancelled ones never went out)."""
    about = (
        or_(Notification.patient_id == patient_id, Notification.alert_id.in_(alert_ids))
        if alert_ids
        else Notification.patient_id == patient_id
    )
    return list(
        db.session.scalars(
            select(Notification)
            .where(about, Notification.state != NotificationState.CANCELLED)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def latest_reports(ids: list[int]) -> dict[int, Report]:
    """Each patient's latest report, by patient id."""
    latest = (
        select(Report.patient_id, func.max(Report.recorded_at).label("at"))
        .where(Report.patient_id.in_(ids))
        .group_by(Report.patient_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(Report).join(latest, and_(Report.patient_id == latest.c.patient_id, Report.recorded_at == latest.c.at))
    )
    return {r.patient_id: r for r in rows}


def next_check_ins(ids: list[int], now: datetime) -> dict[int, CheckIn]:
    """Each patient's next check-in still open, by patient id."""
    open_ = and_(CheckIn.patient_id.in_(ids), CheckIn.state == "pending", CheckIn.window_ends_at > now)
    first = (
        select(CheckIn.patient_id, func.min(CheckIn.due_at).label("due"))
        .where(open_)
        .group_by(CheckIn.patient_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(CheckIn).join(first, and_(CheckIn.patient_id == first.c.patient_id, CheckIn.due_at == first.c.due))
    )
    return {c.patient_id: c for c in rows}


def adherence_counts(ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """Per patient: (check-ins completed, check-ins whose window has closed plus those completed early)."""
    completed = CheckIn.state == CheckInState.COMPLETED
    was_due = or_(completed, CheckIn.state == "missed", and_(CheckIn.state == "pending", CheckIn.window_ends_at <= now))
    rows = db.session.execute(
        select(CheckIn.patient_id, func.sum(case((completed, 1), else_=0)), func.sum(case((was_due, 1), else_=0)))
        .where(CheckIn.patient_id.in_(ids))
        .group_by(CheckIn.patient_id)
    )
    return {pid: (int(done or 0), int(due or 0)) for pid, done, due in rows}
