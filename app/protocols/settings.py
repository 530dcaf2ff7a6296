"""A protocol version's content as a typed, immutable object, and every default in one place.

The stored JSON (format: app/protocols/content.py) is checked at the front gate by
`validate_content` and `ProtocolContentSchema`; this module turns it into `ProtocolSettings` once
(cached on the `Protocol` row, see `Protocol.settings`) so the schedule, the ladder, the paging
watch and the grading read attributes instead of `content.get(..., default)` each with its own
default. Parsing is lenient in the same way those reads were: a key missing from content stored
before it existed takes the default defined here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Any


def parse_hhmm(value: Any) -> int | None:
    """Minutes after local midnight for "HH:MM" (00:00–23:59), else None."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return None
    hours, minutes = value[:2], value[3:]
    if not (hours.isdigit() and minutes.isdigit()):
        return None
    h, m = int(hours), int(minutes)
    return h * 60 + m if h < 24 and m < 60 else None


def _minutes(hhmm: str) -> int:
    minutes = parse_hhmm(hhmm)
    if minutes is None:
        raise ValueError(f"{hhmm!r} is not a local time HH:MM")
    return minutes


@dataclass(frozen=True, slots=True)
class WakingHours:
    """The patient's local waking hours [DESIGN] (S1): vitals are asked "while awake"; 07:00–22:00
    leaves the 20:00 check-in its whole two-hour window before bedtime."""

    start: str = "07:00"
    end: str = "22:00"

    @property
    def start_minute(self) -> int:
        return _minutes(self.start)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end)

    def covers_minute(self, minute: int) -> bool:
        """Is `minute` (after local midnight) inside waking hours (start inclusive, end exclusive)?"""
        return self.start_minute <= minute < self.end_minute

    def covers(self, local: time) -> bool:
        # The bounds are whole minutes, so the seconds of `local` never cross one.
        return self.covers_minute(local.hour * 60 + local.minute)


@dataclass(frozen=True, slots=True)
class CheckInLadder:
    """Ladder [DESIGN], R12, all offsets from the due time: a reminder at the due time, then patient
    and caregiver after a 60-minute grace; unanswered 60 minutes after that (120 min) the check-in
    is missed and the team is alerted."""

    window_minutes: int = 120
    reminder_after_minutes: int = 0
    second_reminder_after_minutes: int = 60


@dataclass(frozen=True, slots=True)
class Paging:
    confirm_minutes: int = 10  # a page with no final delivery status after this is "not reached"


@dataclass(frozen=True, slots=True)
class RestrictionDays:
    """Days after infusion each restriction lasts (R17–R19); 0 means it does not apply."""

    stay_near_center_days: int = 0
    no_driving_days: int = 0
    caregiver_days: int = 0
    monitoring_days: int = 0


DEFAULT_EVERY_DAYS = 1
DEFAULT_DAY_OFFSETS = (0,)
DEFAULT_DOSE_DAYS = (0,)


@dataclass(frozen=True, slots=True)
class Phase:
    """A run of days after infusion with its check-in times and what each asks."""

    name: str
    from_day: int
    to_day: int | None  # inclusive; None: open-ended (the last phase only)
    times: tuple[str, ...]  # local HH:MM, sorted
    asks: tuple[str, ...]
    missed_level: str  # the alert level of a missed check-in (R12)
    every_days: int = DEFAULT_EVERY_DAYS
    day_offsets: tuple[int, ...] = DEFAULT_DAY_OFFSETS
    asks_at: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    weekly_asks: tuple[str, ...] = ()

    def covers(self, day: int) -> bool:
        return self.from_day <= day and (self.to_day is None or day <= self.to_day)

    def is_check_in_day(self, day: int) -> bool:
        """every_days and day_offsets are counted from the phase's first day."""
        return (day - self.from_day) % self.every_days in self.day_offsets

    def asks_for(self, hhmm: str) -> tuple[str, ...]:
        return self.asks_at.get(hhmm, self.asks)

    @classmethod
    def parse(cls, phase: Mapping[str, Any]) -> Phase:
        return cls(
            name=phase["name"],
            from_day=phase["from_day"],
            to_day=phase.get("to_day"),
            times=tuple(phase["times"]),
            asks=tuple(phase["asks"]),
            missed_level=phase["missed_level"],
            every_days=phase.get("every_days", DEFAULT_EVERY_DAYS),
            day_offsets=tuple(phase.get("day_offsets", DEFAULT_DAY_OFFSETS)),
            asks_at=MappingProxyType({t: tuple(a) for t, a in (phase.get("asks_at") or {}).items()}),
            weekly_asks=tuple(phase.get("weekly_asks") or ()),
        )


@dataclass(frozen=True, slots=True)
class ProtocolSettings:
    """Everything a protocol version sets, typed; build it with `ProtocolSettings.parse(content)`."""

    restrictions: RestrictionDays = RestrictionDays()
    waking_hours: WakingHours = WakingHours()
    phases: tuple[Phase, ...] = ()
    check_in: CheckInLadder = CheckInLadder()
    paging: Paging = Paging()
    # Overrides of app.rules THRESHOLD_SPECS by name; empty: the engine's defaults.
    thresholds: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    dose_days: tuple[int, ...] = DEFAULT_DOSE_DAYS  # Aucatzyl split dose; each later dose starts a phase

    @classmethod
    def parse(cls, content: Mapping[str, Any]) -> ProtocolSettings:
        """The settings of stored (validated) content; a missing section takes the defaults above."""
        return cls(
            restrictions=RestrictionDays(**(content.get("restrictions") or {})),
            waking_hours=WakingHours(**(content.get("waking_hours") or {})),
            phases=tuple(Phase.parse(p) for p in content.get("phases") or ()),
            check_in=CheckInLadder(**(content.get("check_in") or {})),
            paging=Paging(**(content.get("paging") or {})),
            thresholds=MappingProxyType(dict(content.get("thresholds") or {})),
            dose_days=tuple(content.get("dose_days") or DEFAULT_DOSE_DAYS),
        )

    @classmethod
    def of(cls, content: ProtocolSettings | Mapping[str, Any]) -> ProtocolSettings:
        """Settings as given, or parsed from raw content (a proposed version, a test's dict)."""
        return content if isinstance(content, ProtocolSettings) else cls.parse(content)

    def phase_for_day(self, day: int) -> Phase | None:
        """The phase covering `day` after infusion; None before day 0 or after the last phase."""
        return next((p for p in self.phases if p.covers(day)), None)

    @property
    def last_day(self) -> int | None:
        """The last phase's last day; None when it runs on, -1 without phases."""
        return self.phases[-1].to_day if self.phases else -1


DEFAULTS = ProtocolSettings()
