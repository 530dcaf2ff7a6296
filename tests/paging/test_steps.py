"""The escalation step handlers on their own: pure decisions from the frozen chain and `now`.
The executor that persists them is tested end to end in test_escalation.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.escalation.steps import first_decision, next_daytime, next_decision, same_day_decision

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # 10:00 in New York
CHAIN = {
    "steps": [
        {"notify": ["on_call"], "wait_minutes": 10},
        {"notify": [7], "wait_minutes": 15},
        {"notify": ["admins"], "wait_minutes": 20},
    ],
    "repeat": 1,
}


def test_urgent_starts_at_step_one_and_looks_again_after_its_wait():
    d = first_decision(CHAIN, "urgent", NOW)
    assert (d.page_steps, d.step, d.round, d.next_at, d.state) == ((0,), 0, 0, NOW + timedelta(minutes=10), "running")


def test_emergency_pages_steps_one_and_two_together_and_waits_on_step_two():
    d = first_decision(CHAIN, "emergency", NOW)
    assert (d.page_steps, d.step, d.next_at) == ((0, 1), 1, NOW + timedelta(minutes=15))


def test_an_emergency_on_a_one_step_chain_pages_that_step():
    one = {"steps": [{"notify": ["on_call"], "wait_minutes": 5}], "repeat": 0}
    assert first_decision(one, "emergency", NOW).page_steps == (0,)


def test_no_ack_climbs_step_by_step_then_repeats_then_exhausts():
    climbs = [next_decision(CHAIN, 0, 0, NOW), next_decision(CHAIN, 1, 0, NOW)]
    assert [(d.page_steps, d.step, d.round, d.next_at - NOW) for d in climbs] == [
        ((1,), 1, 0, timedelta(minutes=15)),
        ((2,), 2, 0, timedelta(minutes=20)),
    ]
    again = next_decision(CHAIN, 2, 0, NOW)  # last step of round 1, repeat = 1: the chain runs again
    assert (again.page_steps, again.step, again.round, again.state) == ((0,), 0, 1, "running")
    done = next_decision(CHAIN, 2, 1, NOW)  # last step of the last round
    assert (done.page_steps, done.next_at, done.state) == ((0, 1, 2), None, "exhausted")
    assert done.reason == "unacknowledged after full chain"


@pytest.mark.parametrize(
    ("now", "waits_until"),
    [
        (datetime(2026, 11, 22, 12, 0, tzinfo=UTC), datetime(2026, 11, 22, 13, 0, tzinfo=UTC)),  # 07:00 local: to 08:00
        (datetime(2026, 11, 22, 13, 0, tzinfo=UTC), None),  # 08:00 local: daytime starts, page now
        (datetime(2026, 11, 22, 22, 59, tzinfo=UTC), None),  # 17:59 local: still daytime
        (datetime(2026, 11, 22, 23, 0, tzinfo=UTC), datetime(2026, 11, 23, 13, 0, tzinfo=UTC)),  # 18:00: next morning
    ],
)
def test_same_day_pages_once_in_daytime_or_waits_for_it(now, waits_until):
    d = same_day_decision(now, "America/New_York", "08:00", "18:00")
    if waits_until is None:
        assert (d.page_steps, d.next_at, d.state) == ((0,), None, "paged_once")
    else:
        assert (d.page_steps, d.next_at, d.state) == ((), waits_until, "waiting_daytime")
    assert next_daytime(now, "America/New_York", "08:00", "18:00") == waits_until
