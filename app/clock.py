"""The one place Vigil reads the wall clock, so tests can set it (the only thing they patch)."""

from __future__ import annotations

from datetime import UTC, datetime

_fixed: datetime | None = None


def utcnow() -> datetime:
    return _fixed if _fixed is not None else datetime.now(UTC)


def set_fixed(value: datetime | None) -> None:
    """Freeze the clock at `value` (aware), or release it with None. For tests and `tick --now`."""
    global _fixed
    if value is not None and value.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    _fixed = value
