"""The lowest level a protocol may give a rule, day by day.

The only level a protocol sets is a phase's `missed_level` (R12: a missed check-in). A protocol
may raise it, never lower it below what the shipped protocols of its jurisdiction give for the
same day: in the acute window (days 0–14 in the US, 0–28 in the EU and UK, docs/clinical-rules.md
R12) a missed check-in stays urgent, because silence can mean the patient cannot answer.

The floor for a day is the lowest level any shipped protocol of the jurisdiction gives that day,
so every shipped protocol passes and a centre can still adopt the least demanding of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from app.protocols.defaults import SHIPPED
from app.rules.types import Level

LEVELS = Level.labels()
LAST_DAY = 400  # past every shipped phase with a level above routine


def _level_on(phases: list[Mapping], day: int) -> str:
    for phase in phases:
        end = phase["to_day"] if phase["to_day"] is not None else LAST_DAY
        if phase["from_day"] <= day <= end:
            return phase["missed_level"]
    return "routine"


@lru_cache(maxsize=8)
def floors(jurisdiction: str | None) -> tuple[str, ...]:
    """Floor level per day 0..LAST_DAY (every jurisdiction's when None or unknown)."""
    shipped = [p for p in SHIPPED if p["jurisdiction"] == jurisdiction] or SHIPPED
    return tuple(
        min((_level_on(p["content"]["phases"], day) for p in shipped), key=LEVELS.index) for day in range(LAST_DAY + 1)
    )


def missed_level_problems(phases: list[Any], jurisdiction: str | None) -> list[tuple[str, str]]:
    """(path, message) for each phase whose missed_level is below the shipped floor on any of its days."""
    table = floors(jurisdiction)
    out = []
    for index, phase in enumerate(phases):
        if not isinstance(phase, Mapping):
            continue
        start, end, level = phase.get("from_day"), phase.get("to_day"), phase.get("missed_level")
        if not isinstance(start, int) or isinstance(start, bool) or level not in LEVELS:
            continue
        last = end if isinstance(end, int) and not isinstance(end, bool) else LAST_DAY
        days = range(max(start, 0), min(last, LAST_DAY) + 1)
        if not days:
            continue
        floor = max((table[d] for d in days), key=LEVELS.index)
        if LEVELS.index(level) < LEVELS.index(floor):
            first = next(d for d in days if table[d] == floor)
            where = f"the {jurisdiction} " if jurisdiction in ("US", "EU", "UK") else ""
            out.append(
                (
                    f"phases.{index}.missed_level",
                    f"missed_level {level!r} is below the shipped level {floor!r} for day {first} "
                    f"(R12: in {where}shipped protocols a missed check-in on that day is {floor}): "
                    "a protocol may raise a level, never lower it",
                )
            )
    return out
