"""Each escalation step as a small pure decision: given the frozen chain, where the alert is and
`now`, whom to page and when to look again. The executor (app.services.escalation) persists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.states import EscalationState


@dataclass(frozen=True)
class Decision:
    page_steps: tuple[int, ...]  # indexes of the steps whose people are paged now
    step: int
    round: int
    next_at: datetime | None
    state: EscalationState
    reason: str


def _wait(chain: dict[str, Any], step: int) -> timedelta:
    return timedelta(minutes=chain["steps"][step]["wait_minutes"])


def first_decision(chain: dict[str, Any], level: str, now: datetime) -> Decision:
    """Start (or restart after an upgrade) at step 1; an emergency pages steps 1 and 2 together."""
    if level == "emergency" and len(chain["steps"]) > 1:
        return Decision(
            (0, 1), 1, 0, now + _wait(chain, 1), EscalationState.RUNNING, "emergency: first two steps together"
        )
    return Decision((0,), 0, 0, now + _wait(chain, 0), EscalationState.RUNNING, "first step")


def next_decision(chain: dict[str, Any], step: int, round_: int, now: datetime) -> Decision:
    """No acknowledgement within the step's wait: climb; after the last step, run the chain again
    `repeat` times; then page everyone once more and stop, loud on the queue."""
    steps = chain["steps"]
    if step + 1 < len(steps):
        return Decision(
            (step + 1,), step + 1, round_, now + _wait(chain, step + 1), EscalationState.RUNNING, "next step"
        )
    if round_ < chain.get("repeat", 0):
        return Decision((0,), 0, round_ + 1, now + _wait(chain, 0), EscalationState.RUNNING, "chain repeats")
    return Decision(
        tuple(range(len(steps))), step, round_, None, EscalationState.EXHAUSTED, "unacknowledged after full chain"
    )


def _local(now: datetime, tz: str) -> datetime:
    return now.astimezone(ZoneInfo(tz))


def next_daytime(now: datetime, tz: str, day_starts: str, day_ends: str) -> datetime | None:
    """None when `now` is within the centre's daytime hours, else the next daytime start."""
    local = _local(now, tz)
    start, end = time.fromisoformat(day_starts), time.fromisoformat(day_ends)
    if start <= local.time() < end:
        return None
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=ZoneInfo(tz)).astimezone(now.tzinfo)


def same_day_decision(now: datetime, tz: str, day_starts: str, day_ends: str) -> Decision:
    """Same-day alerts page the on-call nurse once, in daytime, and never climb."""
    wait_until = next_daytime(now, tz, day_starts, day_ends)
    if wait_until is not None:
        return Decision((), 0, 0, wait_until, EscalationState.WAITING_DAYTIME, "same-day alert waits for daytime")
    return Decision((0,), 0, 0, None, EscalationState.PAGED_ONCE, "same-day alert: on-call nurse paged once")
