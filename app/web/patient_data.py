"""What the patient list and the patient page show about each patient, a few queries for all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import PRODUCT_DISPLAY, CheckIn, Patient, Report, StaffUser
from app.protocols.schedule import monitoring_phase_label
from app.services.restrictions import Restrictions, compute_restrictions, day_after_infusion


@dataclass
class PatientSummary:
    patient: Patient
    product: str
    day: int
    phase: str
    restrictions: Restrictions
    last_report: Report | None
    next_check_in: CheckIn | None
    done: int  # check-ins completed
    due: int  # check-ins whose window has closed, plus those completed early
    excused_until: datetime | None = None  # check-ins excused by staff until then (still ahead)

    @property
    def adherence(self) -> str:
        if not self.due:
            return "—"
        return f"{self.done}/{self.due} ({round(100 * self.done / self.due)}%)"


def visible_patients(staff: StaffUser, *, active_only: bool = True) -> list[Patient]:
    query = select(Patient).options(selectinload(Patient.protocol), selectinload(Patient.center))
    if active_only:
        query = query.where(Patient.status == "active")
    if not staff.is_platform_admin:
        query = query.where(Patient.center_id == staff.center_id)
    # Most recent infusions first: they are in the riskiest days.
    return list(db.session.scalars(query.order_by(Patient.infused_at.desc(), Patient.id)))


def _latest_reports(ids: list[int]) -> dict[int, Report]:
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


def _next_check_ins(ids: list[int], now: datetime) -> dict[int, CheckIn]:
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


def _adherence(ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    completed = CheckIn.state == "completed"
    was_due = or_(completed, CheckIn.state == "missed", and_(CheckIn.state == "pending", CheckIn.window_ends_at <= now))
    rows = db.session.execute(
        select(CheckIn.patient_id, func.sum(case((completed, 1), else_=0)), func.sum(case((was_due, 1), else_=0)))
        .where(CheckIn.patient_id.in_(ids))
        .group_by(CheckIn.patient_id)
    )
    return {pid: (int(done or 0), int(due or 0)) for pid, done, due in rows}


def summarise(patients: list[Patient], now: datetime) -> list[PatientSummary]:
    ids = [p.id for p in patients]
    if not ids:
        return []
    reports, next_ones, adherence = _latest_reports(ids), _next_check_ins(ids, now), _adherence(ids, now)
    out = []
    for p in patients:
        day = day_after_infusion(p.infused_at, now, p.timezone)
        done, due = adherence.get(p.id, (0, 0))
        out.append(
            PatientSummary(
                patient=p,
                product=PRODUCT_DISPLAY.get(p.product, p.product),
                day=day,
                phase=monitoring_phase_label(p.protocol.content, day),
                restrictions=compute_restrictions(p.infused_at, p.timezone, p.protocol.content["restrictions"]),
                last_report=reports.get(p.id),
                next_check_in=next_ones.get(p.id),
                done=done,
                due=due,
                excused_until=p.check_ins_excused_until
                if p.check_ins_excused_until and p.check_ins_excused_until > now
                else None,
            )
        )
    return out
