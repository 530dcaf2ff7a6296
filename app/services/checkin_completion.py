"""Completing a check-in with a report: the report names its check-in, or the nearest open one in
its window is taken; its reminders stop. A missed check-in answered late closes its ladder and
says so on its alert. (The schedule and the missed ladder are in app/services/checkins.py.)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, update

from app.extensions import db
from app.models import Alert, AlertEvent, CheckIn, Notification, Patient, Report
from app.states import AlertStatus, CheckInState, NotificationState

EARLY_COMPLETION = timedelta(minutes=60)  # a report up to an hour early still counts for the check-in
LATE_COMPLETION = timedelta(hours=24)  # a report this long after a missed check-in closes its ladder


# Built once: a report looks for its check-in on every request.
_CANDIDATES = select(CheckIn).where(
    CheckIn.patient_id == bindparam("patient_id"),
    CheckIn.state.in_(("pending", "missed")),
    CheckIn.due_at <= bindparam("due_by", type_=CheckIn.due_at.type),
    CheckIn.window_ends_at >= bindparam("open_after", type_=CheckIn.window_ends_at.type),
)


def _candidate(patient_id: int, recorded_at: datetime) -> CheckIn | None:
    rows = db.session.scalars(
        _CANDIDATES,
        {
            "patient_id": patient_id,
            "due_by": recorded_at + EARLY_COMPLETION,
            "open_after": recorded_at - LATE_COMPLETION,
        },
    ).all()
    fitting = [
        c
        for c in rows
        if c.state == CheckInState.PENDING
        and recorded_at <= c.window_ends_at
        or c.state == CheckInState.MISSED
        and recorded_at >= c.due_at
    ]
    return min(fitting, key=lambda c: abs((c.due_at - recorded_at).total_seconds()), default=None)


def complete_for_report(patient: Patient, report: Report, now: datetime) -> CheckIn | None:
    """Complete the check-in the report names, or the nearest open one in its window; stop its
    reminders. A missed one answered late closes its ladder and says so on its alert."""
    check_in = db.session.get(CheckIn, report.check_in_id) if report.check_in_id else None
    if check_in is None or check_in.state not in (CheckInState.PENDING, CheckInState.MISSED):
        check_in = _candidate(patient.id, report.recorded_at)
    if check_in is None:
        return None
    was_missed = check_in.state == CheckInState.MISSED
    check_in.state, check_in.completed_report_id, check_in.next_action_at = CheckInState.COMPLETED, report.id, None
    report.check_in_id = check_in.id
    cancel_reminders(patient.id, [check_in.id], now)
    if was_missed:
        _note_late_answer(patient, check_in, report, now)
    return check_in


def _note_late_answer(patient: Patient, check_in: CheckIn, report: Report, now: datetime) -> None:
    alert = db.session.scalar(
        select(Alert).where(
            Alert.patient_id == patient.id, Alert.status != AlertStatus.RESOLVED, Alert.kind == "missed_check_in"
        )
    )
    if alert is None:
        return
    local = report.recorded_at.astimezone(ZoneInfo(patient.timezone)).strftime("%H:%M")
    alert.findings = [
        *alert.findings,
        {
            "rule": "R12_check_in_answered_late",
            "level": "routine",
            "summary": f"The missed check-in was answered late, at {local} local time",
            "thresholds": {},
            "report_id": report.id,
            "recorded_at": report.recorded_at.isoformat(),
        },
    ]
    db.session.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            kind="check_in_answered_late",
            report_id=report.id,
            data={"check_in_id": check_in.id},
        )
    )


def cancel_reminders(patient_id: int, check_in_ids: list[int], now: datetime) -> None:
    """Cancel the reminders still waiting for these check-ins (answered, or excused), in one statement."""
    if not check_in_ids:
        return
    db.session.execute(
        update(Notification)
        .where(
            Notification.patient_id == patient_id,
            Notification.state == NotificationState.PENDING,
            Notification.purpose.in_(("reminder", "second_reminder")),
            or_(*(Notification.dedupe_key.like(f"ci:{i}:%") for i in check_in_ids)),
        )
        .values(state=NotificationState.CANCELLED, final_at=now)
        .execution_options(synchronize_session=False)
    )
