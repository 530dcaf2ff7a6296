"""The days restrictions end: the patient is told on the day. At the end of the
monitoring window the patient moves on to the protocol's later phases; when the last phase ends
(or the window does, for a protocol with no later phase) the patient is told and completed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.db.due import Due
from app.extensions import db
from app.models import Patient, PatientStatus
from app.notify.texts import milestone
from app.services import outbox
from app.services.checkins import cancel_future
from app.services.reachability import phone_or_fallback
from app.services.restrictions import compute_restrictions, local_infusion_date

TELL_AT = time(9, 0)  # local morning: a restriction's last day, told when the patient is awake


def milestone_times(patient: Patient) -> dict[str, datetime]:
    r = compute_restrictions(patient.infused_at, patient.timezone, patient.protocol.settings.restrictions)
    zone = ZoneInfo(patient.timezone)

    def morning(day) -> datetime:
        return datetime.combine(day, TELL_AT, tzinfo=zone).astimezone(ZoneInfo("UTC"))

    times = {"stay_near_center": morning(r.stay_near_center_until), "no_driving": morning(r.no_driving_until)}
    ended = _last_phase_ends_at(patient)
    if ended is None or ended > r.monitoring_ends_at:
        times["monitoring"] = r.monitoring_ends_at  # later phases follow: "less frequent check-ins"
    if ended is not None:
        times["ended"] = max(ended, r.monitoring_ends_at)  # restrictions' window runs to its end regardless
    return times


def _last_phase_ends_at(patient: Patient) -> datetime | None:
    """Local midnight after the last phase's last day; None when the last phase runs on."""
    phases = patient.protocol.settings.phases
    if not phases or any(p.to_day is None for p in phases):
        return None
    day0 = local_infusion_date(patient.infused_at, patient.timezone)
    after_last = day0 + timedelta(days=max(p.to_day for p in phases if p.to_day is not None) + 1)
    return datetime.combine(after_last, time(0), tzinfo=ZoneInfo(patient.timezone)).astimezone(UTC)


def plan_next(patient: Patient) -> None:
    pending = [at for name, at in milestone_times(patient).items() if name not in (patient.milestones_done or [])]
    patient.next_milestone_at = min(pending) if pending and patient.status == PatientStatus.ACTIVE else None


def _reach(patient: Patient, name: str, now: datetime) -> None:
    patient.milestones_done = [*(patient.milestones_done or []), name]
    if not patient.sms_opted_out:
        outbox.queue(
            dedupe_key=f"milestone:{patient.id}:{name}",
            purpose="milestone",
            to_phone=patient.phone,
            body=milestone(patient.language, name, phone_or_fallback(patient.center, patient.language)),
            now=now,
            patient_id=patient.id,
        )
    if name == "ended":
        patient.status = PatientStatus.COMPLETED
        cancel_future(patient, now)


def milestones_due(now: datetime) -> Due:
    """Patients with a milestone to tell (`next_milestone_at` is set only while one is ahead)."""
    return Due(Patient.next_milestone_at, now)


def milestone_sweep(now: datetime, limit: int = 500) -> int:
    due = db.session.scalars(
        select(Patient).where(*milestones_due(now).rows()).order_by(Patient.next_milestone_at).limit(limit)
    ).all()
    told = 0
    for patient in due:
        for name, at in sorted(milestone_times(patient).items(), key=lambda item: item[1]):
            if at <= now and name not in (patient.milestones_done or []):
                _reach(patient, name, now)
                told += 1
        plan_next(patient)
    return told
