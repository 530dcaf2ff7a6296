"""Check-in schedule from a protocol's content: pure calendar arithmetic, no Flask, no database, no clock.

Day 0 is the infusion day in the patient's zone (docs/clinical-rules.md D1). For each local day, the
phase covering it says whether it is a check-in day and at which local clock times; each local
time becomes an aware datetime in the patient's zone and then UTC. So a patient in New York keeps
08:00 across the DST changes while the UTC instant moves by an hour.

DST edge cases (zoneinfo, PEP 495): a local time that does not exist (spring-forward gap, 02:30 on
8 Mar 2026 in New York) is read with the offset before the change, which lands it the length of
the gap later (03:30 EDT); an ambiguous time (01:30 on 1 Nov 2026) takes its first occurrence
(fold=0, EDT). Shipped waking hours keep check-ins out of both, but a protocol may not.

Callers materialise a rolling horizon: `planned_check_ins(content, infused_at, tz, now, now + 48 h)`
returns a handful of rows per patient, and the same check-in always gets the same due time and
asks, whatever the horizon, so re-planning is idempotent on (patient, due_at).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.protocols.content import ASKS, RESTRICTION_ASKS, parse_hhmm
from app.protocols.settings import Phase, ProtocolSettings


@dataclass(frozen=True, slots=True)
class PlannedCheckIn:
    due_at: datetime  # aware UTC
    window_ends_at: datetime  # aware UTC; unanswered by then = missed
    phase: str
    asks: tuple[str, ...]  # in ASKS order
    missed_level: str  # routine / same_day / urgent / emergency
    day: int  # days after infusion, local calendar


@dataclass(frozen=True, slots=True)
class Ladder:
    """When the clock looks at an unanswered check-in again (CheckIn.ladder_step 1, 2, 3)."""

    reminder_at: datetime
    second_reminder_at: datetime  # patient and caregiver (R12)
    missed_at: datetime  # = window_ends_at; the alert opens at the phase's missed_level


def phase_for_day(content: Mapping[str, Any], day: int) -> Mapping[str, Any] | None:
    """The phase covering `day` after infusion; None before day 0 or after the last phase."""
    for phase in content.get("phases") or ():
        end = phase.get("to_day")
        if phase["from_day"] <= day and (end is None or day <= end):
            return phase
    return None


def monitoring_phase_label(content: ProtocolSettings | Mapping[str, Any], day: int) -> str:
    """The phase name for a day, or "before-infusion" / "after-monitoring" outside the phases."""
    if day < 0:
        return "before-infusion"
    phase = ProtocolSettings.of(content).phase_for_day(day)
    return phase.name if phase else "after-monitoring"


def ladder_times(content: ProtocolSettings | Mapping[str, Any], due_at: datetime) -> Ladder:
    """Reminder, second reminder and missed instants for a check-in due at `due_at`."""
    ladder = ProtocolSettings.of(content).check_in

    def after(minutes: int) -> datetime:
        # Durations, not clock times: 30 minutes is 30 minutes even across a DST change.
        return due_at + timedelta(minutes=minutes)

    return Ladder(
        after(ladder.reminder_after_minutes), after(ladder.second_reminder_after_minutes), after(ladder.window_minutes)
    )


def planned_check_ins(
    content: ProtocolSettings | Mapping[str, Any], infused_at: datetime, tz: str, start: datetime, end: datetime
) -> list[PlannedCheckIn]:
    """Every check-in due in [start, end), oldest first. Check-ins before the infusion are skipped."""
    for name, value in (("infused_at", infused_at), ("start", start), ("end", end)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    zone = ZoneInfo(tz)
    day0 = infused_at.astimezone(zone).date()
    settings = ProtocolSettings.of(content)
    planned: list[PlannedCheckIn] = []
    for local_date in _local_dates(start, end, zone, day0, settings):
        planned += [c for c in _day_check_ins(settings, day0, local_date, zone, infused_at) if start <= c.due_at < end]
    return planned


def next_planned_check_in(
    content: ProtocolSettings | Mapping[str, Any], infused_at: datetime, tz: str, after: datetime, max_days: int = 400
) -> PlannedCheckIn | None:
    """The first check-in due at or after `after`, looking at most `max_days` ahead (monthly late phases)."""
    step = timedelta(days=7)
    cursor = after
    settings = ProtocolSettings.of(content)
    while cursor < after + timedelta(days=max_days):
        found = planned_check_ins(settings, infused_at, tz, cursor, cursor + step)
        if found:
            return found[0]
        cursor += step
    return None


def _local_dates(start: datetime, end: datetime, zone: ZoneInfo, day0: date, settings: ProtocolSettings) -> list[date]:
    # One spare day either side: a local day's check-ins can sit on the neighbouring UTC date.
    first = max(start.astimezone(zone).date() - timedelta(days=1), day0)
    last = end.astimezone(zone).date() + timedelta(days=1)
    final_day = settings.last_day
    if final_day is not None:
        last = min(last, day0 + timedelta(days=final_day))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _day_check_ins(
    settings: ProtocolSettings, day0: date, local_date: date, zone: ZoneInfo, infused_at: datetime
) -> list[PlannedCheckIn]:
    """All check-ins of one local day, before any horizon filter, so asks never depend on the horizon."""
    day = (local_date - day0).days
    phase = settings.phase_for_day(day)
    if phase is None or not phase.is_check_in_day(day):
        return []
    window = timedelta(minutes=settings.check_in.window_minutes)
    out: list[PlannedCheckIn] = []
    for hhmm in _waking_times(settings, phase):
        due = _to_utc(local_date, hhmm, zone)
        if due <= infused_at:
            continue  # day 0 starts at the infusion, not at midnight
        extra = _first_of_day_asks(settings, phase, day) if not out else []
        asks = _ordered([*phase.asks_for(hhmm), *extra])
        out.append(PlannedCheckIn(due, due + window, phase.name, asks, phase.missed_level, day))
    return out


def _waking_times(settings: ProtocolSettings, phase: Phase) -> list[str]:
    # Validation refuses times outside waking hours; this guards content stored before it did.
    return [t for t in phase.times if (m := parse_hhmm(t)) is not None and settings.waking_hours.covers_minute(m)]


def _minutes(hhmm: str) -> int:
    minutes = parse_hhmm(hhmm)
    if minutes is None:  # validated content always has HH:MM times
        raise ValueError(f"not a time of day: {hhmm!r}")
    return minutes


def _to_utc(local_date: date, hhmm: str, zone: ZoneInfo) -> datetime:
    minutes = _minutes(hhmm)
    # fold=0: an ambiguous time is its first occurrence; a nonexistent one moves forward by the gap.
    local = datetime(local_date.year, local_date.month, local_date.day, minutes // 60, minutes % 60, tzinfo=zone)
    return local.astimezone(UTC)


def _first_of_day_asks(settings: ProtocolSettings, phase: Phase, day: int) -> list[str]:
    """Weekly items (every 7th day from the phase start) and restriction questions, once a day."""
    extra = list(phase.weekly_asks) if (day - phase.from_day) % 7 == 0 else []
    # R17, R19: asked while the restriction lasts (day < its length), then never again.
    extra += [ask for ask, key in RESTRICTION_ASKS.items() if day < getattr(settings.restrictions, key)]
    return extra


def _ordered(asks: list[str]) -> tuple[str, ...]:
    wanted = set(asks)
    return tuple(a for a in ASKS if a in wanted)
