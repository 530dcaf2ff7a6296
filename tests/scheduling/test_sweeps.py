"""The tick (`run_all_sweeps`): the probe that skips sweeps with nothing due, and the isolation of
sweeps from each other (what one did is committed, what one broke is rolled back)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select, update

import app.scheduling.jobs  # noqa: F401 - registers the real sweeps before any test patches the registry
from app.db.due import earliest
from app.extensions import db
from app.models import Alert, CheckIn, Notification, Patient, SmsConversation
from app.scheduling import registry as sweeps  # the registry the tick reads (was part of app.scheduling.sweeps)
from app.scheduling.sweeps import due_sweeps, run_all_sweeps

T = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # the frozen clock's start
FAR = T + timedelta(days=365)
SECOND = timedelta(seconds=1)


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


@pytest.fixture
def quiet(make_patient, center, on_call):
    """One enrolled patient with nothing due for a year: no horizon to extend, no milestone, no
    reminder; every probe is false."""
    on_call(center)
    enrolled = make_patient(center)
    db.session.execute(update(Patient).values(schedule_until=FAR, next_milestone_at=None))
    db.session.execute(update(CheckIn).values(next_action_at=None))
    db.session.commit()
    assert due_sweeps(T + timedelta(days=30), sweeps.PROBES) == set()
    return enrolled


def _notification(**values) -> None:
    row = {
        "dedupe_key": f"test:{_row_count()}",
        "purpose": "page",
        "state": "pending",
        "to_phone": "+16175550100",
        "body": "test",
        "attempts": 0,
        "extra": {},
        "created_at": T,
        "due_at": FAR,
    }
    db.session.execute(insert(Notification).values(**{**row, **values}))


def _row_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def _alert(patient: Patient, **values) -> None:
    db.session.execute(
        insert(Alert).values(
            patient_id=patient.id, center_id=patient.center_id, level="urgent", ack_code="4821", **values
        )
    )


# Each scenario makes one thing due at T (or from T on); then (offset from T, the sweeps whose
# probe is true then). The offsets straddle each sweep's own condition (< or <= on its time).
SCENARIOS = {
    "horizon runs short": (
        lambda p: db.session.execute(update(Patient).values(schedule_until=T + timedelta(hours=24))),
        [(-SECOND, set()), (SECOND, {"schedule"})],
    ),
    "reminder due": (
        lambda p: db.session.execute(
            update(CheckIn)
            .where(CheckIn.id == db.session.scalar(select(func.min(CheckIn.id))))
            .values(state="pending", next_action_at=T)
        ),
        [(-SECOND, set()), (timedelta(0), {"check_ins"})],
    ),
    "reminder of a completed check-in": (
        lambda p: db.session.execute(update(CheckIn).values(state="completed", next_action_at=T)),
        [(timedelta(days=1), set())],
    ),
    "SMS conversation expired": (
        lambda p: db.session.execute(
            insert(SmsConversation).values(
                patient_id=p.id,
                state="active",
                expires_at=T,
                questions=[],
                answers={},
                answered=[],
                retries=0,
                started_at=T,
                updated_at=T,
            )
        ),
        [(-SECOND, set()), (timedelta(0), {"sms_check_ins"})],
    ),
    "milestone reached": (
        lambda p: db.session.execute(update(Patient).values(next_milestone_at=T)),
        [(-SECOND, set()), (timedelta(0), {"milestones"})],
    ),
    "lease expired": (
        lambda p: _notification(state="sending", lease_expires_at=T, sent_at=None),
        [(timedelta(0), set()), (SECOND, {"leases"})],
    ),
    "message due": (
        lambda p: _notification(purpose="reminder", due_at=T),
        [(-SECOND, set()), (timedelta(0), {"dispatch"})],
    ),
    "page due, then stuck": (
        lambda p: _notification(due_at=T),
        [(timedelta(0), {"dispatch"}), (timedelta(minutes=10, seconds=1), {"dispatch", "watchdog"})],
    ),
    "page sent, unconfirmed": (
        lambda p: _notification(state="sent", sent_at=T),
        [(timedelta(minutes=1), set()), (timedelta(minutes=1, seconds=1), {"unconfirmed_pages"})],
    ),
    "escalation step due, then overdue": (
        lambda p: _alert(p, escalation_state="running", next_step_at=T),
        [
            (-SECOND, set()),
            (timedelta(0), {"escalation"}),
            (timedelta(minutes=2, seconds=1), {"escalation", "watchdog"}),
        ],
    ),
    "daytime step due": (
        lambda p: _alert(p, escalation_state="waiting_daytime", next_step_at=T),
        [(-SECOND, set()), (timedelta(0), {"escalation"})],
    ),
    "stopped escalation": (
        lambda p: _alert(p, escalation_state="stopped", next_step_at=T),
        [(timedelta(days=1), set())],
    ),
    "running escalation with no next step": (
        lambda p: _alert(p, escalation_state="running", next_step_at=None),
        [(-timedelta(days=1), {"watchdog"})],
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_probe_is_true_exactly_when_its_sweep_has_something_due(quiet, scenario):
    make_due, expected = SCENARIOS[scenario]
    make_due(quiet.patient)
    db.session.commit()
    for offset, sweeps_due in expected:
        assert due_sweeps(T + offset, sweeps.PROBES) == sweeps_due, offset


def test_the_scenarios_cover_every_probe():
    covered = set().union(*(due for _, cases in SCENARIOS.values() for _, due in cases))
    assert covered == set(sweeps.PROBES) == set(sweeps.SWEEPS)  # every real sweep has a probe


def test_a_tick_with_nothing_due_is_one_statement_and_reports_what_every_sweep_reports(quiet):
    full = run_all_sweeps(T, skip_idle=False)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        probed = run_all_sweeps(T)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1, statements
    assert probed == full  # a skipped sweep reports what it reports when it finds nothing
    assert not db.session().in_transaction()


def test_a_reminder_that_falls_due_is_sent_by_the_next_tick(quiet):
    check_in = db.session.scalar(select(CheckIn).order_by(CheckIn.due_at).limit(1))
    check_in.state, check_in.next_action_at = "pending", T + timedelta(minutes=5)
    db.session.commit()
    assert run_all_sweeps(T)["check_ins"] == 0
    result = run_all_sweeps(T + timedelta(minutes=5))
    assert result["check_ins"] >= 1
    # The reminder queued by the ladder sweep is sent by the dispatch sweep of the same tick,
    # though nothing was due for dispatch when the tick began.
    assert result["dispatch"].startswith("sent=1")
    assert db.session.scalars(select(Notification.state)).all() == ["sent"]


# ---- the tick's mechanics, with stand-in sweeps ---------------------------------------------------


@pytest.fixture
def registry(monkeypatch):
    """An empty registry in place of the real one (restored afterwards)."""
    monkeypatch.setattr(sweeps, "SWEEPS", {})
    monkeypatch.setattr(sweeps, "PROBES", {})
    monkeypatch.setattr(sweeps, "IDLE", {})
    return sweeps


def _pending_due(now: datetime):
    return earliest(Notification.due_at, Notification.state == "pending") <= now


def test_a_sweep_that_wrote_through_core_is_committed_and_a_failing_one_rolled_back(registry, caplog):
    calls = []

    @registry.sweep("writes", due=lambda now: earliest(Notification.due_at) <= now)
    def writes(now):
        calls.append("writes")
        db.session.execute(update(Notification).values(state="cancelled"))  # Core, no ORM changes
        return 0  # even when it says it did nothing

    @registry.sweep("breaks")
    def breaks(now):
        calls.append("breaks")
        _notification(dedupe_key="half-done")
        raise RuntimeError("boom")

    @registry.sweep("after")
    def after(now):
        calls.append("after")
        _notification(dedupe_key="after", state="sent")
        return 1

    _notification(due_at=T)
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="vigil.clock"):
        result = run_all_sweeps(T)
    assert calls == ["writes", "breaks", "after"]
    assert result == {"writes": 0, "breaks": "error: RuntimeError", "after": 1}
    assert "sweep breaks failed" in caplog.text
    db.session.rollback()  # only what was committed survives
    assert sorted(db.session.execute(select(Notification.dedupe_key, Notification.state))) == [
        ("after", "sent"),
        ("test:0", "cancelled"),
    ]


def test_a_sweep_made_due_by_an_earlier_sweep_runs_in_the_same_tick(registry):
    calls = []

    @registry.sweep("queues")
    def queues(now):
        calls.append("queues")
        _notification(due_at=now)
        return 1

    @registry.sweep("sends", due=_pending_due, idle="idle")
    def sends(now):
        calls.append("sends")
        return "sent"

    assert run_all_sweeps(T) == {"queues": 1, "sends": "sent"}
    assert calls == ["queues", "sends"]


def test_skipped_sweeps_are_not_called_and_report_their_idle_result(registry):
    @registry.sweep("idle_one", due=_pending_due, idle={"n": 0})
    def idle_one(now):
        raise AssertionError("must not run: nothing is due")

    first = run_all_sweeps(T)
    first["idle_one"]["n"] = 5  # a caller changing the result does not change the next one
    assert run_all_sweeps(T) == {"idle_one": {"n": 0}}
    assert _row_count() == 0


def test_when_the_probe_fails_every_sweep_runs(registry, caplog):
    calls = []

    def broken_probe(now):
        return select(func.no_such_function()).scalar_subquery() > 0

    @registry.sweep("a", due=_pending_due)
    def a(now):
        calls.append("a")
        return 0

    @registry.sweep("b", due=broken_probe)
    def b(now):
        calls.append("b")
        return 0

    with caplog.at_level(logging.ERROR, logger="vigil.clock"):
        assert run_all_sweeps(T) == {"a": 0, "b": 0}
    assert calls == ["a", "b"]
    assert "sweep probe failed" in caplog.text


def test_a_full_tick_runs_every_sweep(registry):
    calls = []

    @registry.sweep("a", due=_pending_due)
    def a(now):
        calls.append("a")
        return 0

    run_all_sweeps(T)
    assert calls == []
    run_all_sweeps(T, skip_idle=False)
    assert calls == ["a"]


def test_the_clock_runs_a_full_tick_at_start_and_then_every_few_minutes(app, monkeypatch):
    from app.scheduling import runner

    seen, now = [], [1000.0]
    monkeypatch.setattr(runner, "run_all_sweeps", lambda skip_idle: seen.append(skip_idle))
    tick = runner.Ticker(app, full_every=300, monotonic=lambda: now[0])
    for _ in range(22):  # 15 s apart
        tick()
        now[0] += 15
    assert seen == [False] + [True] * 19 + [False, True]
