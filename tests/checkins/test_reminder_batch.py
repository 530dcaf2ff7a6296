"""The 08:00 wave: the reminders due in a tick are read, built and queued by a fixed
number of set-based statements per batch, whatever the number of patients, and still once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.models import CheckIn, Notification
from app.services.checkins import excuse_until, ladder_sweep

INFUSED = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # 08:00 in New York: the first check-in is due


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


def _statements(now: datetime) -> int:
    count = 0

    def counted(*_args) -> None:  # noqa: ANN002
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        ladder_sweep(now)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count


def _reminders() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.purpose == "reminder"))


def _first_due(patient_id: int) -> datetime:
    return db.session.scalar(
        select(func.min(CheckIn.due_at)).where(
            CheckIn.patient_id == patient_id, CheckIn.due_at > INFUSED + timedelta(hours=1)
        )
    )


def test_a_wave_costs_the_same_statements_for_3_or_15_reminders(make_patient, center, frozen_clock):
    frozen_clock.set(INFUSED)
    small = [make_patient(center, infused_at=INFUSED.isoformat()) for _ in range(3)]
    due = _first_due(small[0].id)
    few = _statements(due + timedelta(minutes=1))
    assert _reminders() == len(small)
    many = [make_patient(center, infused_at=INFUSED.isoformat()) for _ in range(15)]
    assert _first_due(many[0].id) == due  # the same minute: the wave
    lots = _statements(due + timedelta(minutes=2))
    assert _reminders() == len(small) + len(many), "every patient reminded once"
    assert lots <= few, f"{lots} statements for 15 reminders, {few} for 3: a reminder must not cost statements"


def test_a_check_in_given_back_after_its_reminder_is_not_reminded_twice(make_patient, center, frozen_clock):
    frozen_clock.set(INFUSED)
    patient = make_patient(center, infused_at=INFUSED.isoformat())
    due = _first_due(patient.id)
    ladder_sweep(due + timedelta(minutes=1))
    assert _reminders() == 1
    from app.models import Patient

    row = db.session.get(Patient, patient.id)
    excuse_until(row, due + timedelta(minutes=30), due - timedelta(minutes=30))
    excuse_until(row, None, due - timedelta(minutes=30))  # given back: its ladder starts again
    db.session.commit()
    check_in = db.session.scalar(select(CheckIn).where(CheckIn.patient_id == patient.id, CheckIn.due_at == due))
    assert check_in.state == "pending" and check_in.ladder_step == 0
    ladder_sweep(due + timedelta(minutes=3))  # the batch's read finds the queued key: no twin, no error
    assert _reminders() == 1
