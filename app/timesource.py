"""The time source: the one place Vigil reads the wall time, so tests can set it (the only thing
they patch). Not to be confused with the clock process (Procfile `clock`, app/scheduling/runner.py),
which reads the time from here like every other process."""

from __future__ import annotations

from datetime import UTC, datetime

_fixed: datetime | None = None


def utcnow() -> datetime:
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_fixed(value: datetime | None) -> None:
    """Freeze the time at `value` (aware), or release it with None. For tests and `tick --now`."""
    global _fixed
    if value is not None and value.tzinfo is None:
        raise ValueError("the time source needs an aware datetime")
    _fixed = value
