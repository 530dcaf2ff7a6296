"""The content of a monitoring protocol version, and its validation.

A protocol version is immutable once used (a change is a new version), so everything the
clock and the rules need is in this one JSON document:

    {
      "restrictions": {"stay_near_center_days": 14, "no_driving_days": 14,
                       "caregiver_days": 14, "monitoring_days": 14},        # days after infusion
      "waking_hours": {"start": "07:00", "end": "22:00"},                  # patient's local time
      "phases": [                                                          # contiguous from day 0
        {"name": "days-0-7", "from_day": 0, "to_day": 7,                    # inclusive; the last
                                                                           # phase may say null
         "times": ["08:00", "12:00", "16:00", "20:00"],                    # local, sorted, unique
         "every_days": 1, "day_offsets": [0],   # check-in days: (day - from_day) % every_days in
                                                # day_offsets; 7 + [0, 3] = twice a week
         "asks": ["vitals", "symptoms"],        # what every check-in of the phase asks...
         "asks_at": {"08:00": ["vitals", "symptoms", "neuro", "ice", "handwriting"]},  # ...unless
                                                # a time has its own full list
         "weekly_asks": ["weekly_pro"],         # added to the first check-in of every 7th day
                                                # counted from from_day (PRO-CTCAE 7-day recall)
         "missed_level": "urgent"},             # alert level when a check-in is missed
        ...],
      "check_in": {"window_minutes": 120,                   # due_at → window_ends_at = missed
                   "reminder_after_minutes": 0,              # first reminder: at the due time
                   "second_reminder_after_minutes": 60},     # patient and caregiver (R12)
      "paging": {"confirm_minutes": 10},        # page with no final status = not reached
      "thresholds": {"fever_c": 37.5},          # overrides of app.rules THRESHOLD_SPECS
      "dose_days": [0, 10]                      # Aucatzyl split dose; each later dose starts a phase
    }

Missed-check-in ladder, all offsets from `due_at`: first reminder, then the second reminder to
patient and caregiver, then at the window's end the check-in is missed and an alert opens at the
phase's `missed_level`. The grace before a check-in counts as missed is therefore `window_minutes`.

Questions about restrictions ("caregiver" present? "driving"?, R17, R19 in docs/clinical-rules.md) are not
listed in phases: the schedule adds them while `restrictions` says they apply, so the question
stops on exactly the day the restriction does (app.protocols.schedule).

Defaults live in app/protocols/settings.py, which also parses stored content into the typed
`ProtocolSettings` the rest of the code reads.

`validate_content` returns every problem keyed by a dotted path ("phases.2.from_day"), {} when
the content is fine. `ProtocolContentSchema().load(content)` gives the content with defaults
filled in (every_days 1, day_offsets [0], ...); store that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from app.protocols.floors import missed_level_problems
from app.protocols.settings import DEFAULT_DAY_OFFSETS, DEFAULT_DOSE_DAYS, DEFAULT_EVERY_DAYS, Paging, parse_hhmm
from app.rules import Level, validate_thresholds

# What a check-in can ask, in the order a form shows it (docs/clinical-rules.md S2: what is doable
# at home, PRO-CTCAE and custom items for what it lacks), with the rules named beside each.
ASKS = (
    "temperature",  # R1–R3, R16: temperature only
    "vitals",  # R1–R8: temperature, heart rate, blood pressure, SpO2 (includes temperature)
    "symptoms",  # R7, R8a, R9, R15: daily items on PRO-CTCAE scales (S2)
    "neuro",  # R9, R11: caregiver neuro checklist
    "ice",  # R10: caregiver-administered ICE-like score (S2)
    "handwriting",  # R9, R13: the same sentence every time, compared with the day-0 sample (S2)
    "movement",  # R13: BCMA movement, face and personality checklist (Santomasso 2023, Cohen 2022)
    "diarrhea",  # R14: PRO-CTCAE 16 diarrhoea and 17 abdominal pain (Carvykti IEC-EC)
    "weight",  # R14: body weight against baseline
    "weekly_pro",  # S2: PRO-CTCAE items with their validated 7-day recall
    "caregiver",  # R19: caregiver presence (added by the schedule from restrictions)
    "driving",  # R17: "did you drive?" (added by the schedule from restrictions)
)
RESTRICTION_ASKS = {"caregiver": "caregiver_days", "driving": "no_driving_days"}
PHASE_ASKS = tuple(a for a in ASKS if a not in RESTRICTION_ASKS)
MISSED_LEVELS = Level.labels()  # action levels (A1)
RESTRICTION_KEYS = ("stay_near_center_days", "no_driving_days", "caregiver_days", "monitoring_days")

MAX_DAY = 3650  # ten years: a day counter beyond that is a typo


def _check_hhmm(value: str) -> None:
    if parse_hhmm(value) is None:
        raise ValidationError(f"{value!r} is not a local time HH:MM between 00:00 and 23:59.")


def _sorted_unique(values: list) -> None:
    if list(values) != sorted(set(values)):
        raise ValidationError("Must be in ascending order without repeats.")


def _unique(values: list) -> None:
    if len(values) != len(set(values)):
        raise ValidationError("Must not repeat an item.")


class Int(fields.Integer):
    """A JSON integer: refuses 7.0, "7" and booleans (True is an int to Python, not to a clinician)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _time(**kwargs: Any) -> fields.String:
    return fields.String(validate=_check_hhmm, **kwargs)


def _asks(min_length: int = 0, **kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(PHASE_ASKS)),
        validate=[validate.Length(min=min_length), _unique],
        **kwargs,
    )


class StrictSchema(Schema):
    class Meta:
        unknown = "raise"  # a misspelt key must not silently fall back to a default


class RestrictionsSchema(StrictSchema):
    # Read by app/services/restrictions.py; 0–365 days (R17–R19: 14 to 56 days in practice).
    stay_near_center_days = Int(required=True, validate=validate.Range(0, 365))
    no_driving_days = Int(required=True, validate=validate.Range(0, 365))
    caregiver_days = Int(required=True, validate=validate.Range(0, 365))
    monitoring_days = Int(required=True, validate=validate.Range(0, 365))


class WakingHoursSchema(StrictSchema):
    start = _time(required=True)
    end = _time(required=True)


class PhaseSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(1, 64))  # CheckIn.phase is 64 chars
    from_day = Int(required=True, validate=validate.Range(0, MAX_DAY))
    to_day = Int(required=True, allow_none=True, validate=validate.Range(0, MAX_DAY))
    times = fields.List(_time(), required=True, validate=[validate.Length(1, 12), _sorted_unique])
    every_days = Int(load_default=DEFAULT_EVERY_DAYS, validate=validate.Range(1, 365))
    day_offsets = fields.List(
        Int(validate=validate.Range(0, 364)),
        load_default=lambda: list(DEFAULT_DAY_OFFSETS),
        validate=[validate.Length(min=1), _sorted_unique],
    )
    asks = _asks(min_length=1, required=True)
    asks_at = fields.Dict(keys=_time(), values=_asks(min_length=1), load_default=dict)
    weekly_asks = _asks(load_default=list)
    missed_level = fields.String(required=True, validate=validate.OneOf(MISSED_LEVELS))


class CheckInSchema(StrictSchema):
    # Bounds [DESIGN]: under 15 min nobody can find the thermometer; over 12 h silence is not noticed.
    window_minutes = Int(required=True, validate=validate.Range(15, 720))
    reminder_after_minutes = Int(required=True, validate=validate.Range(0, 719))
    second_reminder_after_minutes = Int(required=True, validate=validate.Range(1, 719))


class PagingSchema(StrictSchema):
    confirm_minutes = Int(required=True, validate=validate.Range(1, 60))


class ProtocolContentSchema(StrictSchema):
    """Field by field checks; validate_content adds the checks across fields."""

    restrictions = fields.Nested(RestrictionsSchema, required=True)
    waking_hours = fields.Nested(WakingHoursSchema, required=True)
    phases = fields.List(fields.Nested(PhaseSchema), required=True, validate=validate.Length(1, 20))
    check_in = fields.Nested(CheckInSchema, required=True)
    paging = fields.Nested(PagingSchema, load_default=lambda: asdict(Paging()))
    thresholds = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    dose_days = fields.List(
        Int(validate=validate.Range(0, 60)),
        load_default=lambda: list(DEFAULT_DOSE_DAYS),
        validate=[validate.Length(min=1), _sorted_unique],
    )


Problems = dict[str, list[str]]


def validate_content(content: Any, jurisdiction: str | None = None) -> Problems:
    """Every problem of a protocol's content keyed by dotted path; {} when it is fine.

    `jurisdiction` picks the shipped protocols whose missed-check-in levels are the floor
    (app/protocols/floors.py); without it the lowest of every jurisdiction is the floor."""
    problems: Problems = {}
    _flatten(
        ProtocolContentSchema().validate(content)
        if isinstance(content, Mapping)
        else {"_schema": ["Protocol content must be a JSON object."]},
        "",
        problems,
    )
    if isinstance(content, Mapping):
        for path, message in _cross_field_problems(content) + missed_level_problems(
            _list(content.get("phases")), jurisdiction
        ):
            problems.setdefault(path, []).append(message)
    return problems


def _flatten(errors: Any, prefix: str, out: Problems) -> None:
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            # "_schema" is marshmallow's name for "the object itself": the path stops at the parent.
            segment = "" if key == "_schema" else str(key)
            _flatten(value, f"{prefix}.{segment}".strip(".") if segment else prefix, out)
    else:
        out.setdefault(prefix or "content", []).extend(str(m) for m in errors)


# ---- checks across fields ---------------------------------------------------------------------
# They read the raw content and skip any value of the wrong type: the schema already named it,
# and a second message about the same typo would only be noise.


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _cross_field_problems(content: Mapping) -> list[tuple[str, str]]:
    phases = [p if isinstance(p, Mapping) else {} for p in _list(content.get("phases"))]
    out = _phase_sequence_problems(phases)
    waking = _waking_problems(_dict(content.get("waking_hours")))
    out += waking
    window = _check_in_problems(_dict(content.get("check_in")), out)
    bounds = None if waking else _waking_bounds(_dict(content.get("waking_hours")))
    for index, phase in enumerate(phases):
        out += _phase_problems(index, phase, bounds, window)
    out += _dose_day_problems(_list(content.get("dose_days")), phases)
    thresholds = content.get("thresholds")
    if isinstance(thresholds, Mapping):
        out += [(f"thresholds.{key}", msg) for key, msgs in validate_thresholds(thresholds).items() for msg in msgs]
    return out


def _phase_sequence_problems(phases: list[Mapping]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if phases and _int(phases[0].get("from_day")) not in (None, 0):
        out.append(
            (
                "phases.0.from_day",
                f"The first phase must start at day 0 (infusion day), not day {phases[0]['from_day']}.",
            )
        )
    names: dict[str, int] = {}
    for index, phase in enumerate(phases):
        start, end = _int(phase.get("from_day")), _int(phase.get("to_day"))
        if start is not None and end is not None and end < start:
            out.append((f"phases.{index}.to_day", f"Phase {index} ends at day {end}, before it starts (day {start})."))
        if "to_day" in phase and phase["to_day"] is None and index < len(phases) - 1:
            out.append((f"phases.{index}.to_day", "Only the last phase may be open-ended (to_day null)."))
        if index and start is not None:
            previous_end = _int(phases[index - 1].get("to_day"))
            if previous_end is not None and start != previous_end + 1:
                out.append(
                    (
                        f"phases.{index}.from_day",
                        f"Phases must be contiguous: phase {index} starts at day "
                        f"{start}, the previous one ended at day {previous_end}.",
                    )
                )
        name = phase.get("name")
        if isinstance(name, str) and name in names:
            out.append((f"phases.{index}.name", f"Phase names must be unique: {name!r} is also phase {names[name]}."))
        elif isinstance(name, str):
            names[name] = index
    return out


def _waking_bounds(waking: Mapping) -> tuple[int, int] | None:
    start, end = parse_hhmm(waking.get("start")), parse_hhmm(waking.get("end"))
    return (start, end) if start is not None and end is not None else None


def _waking_problems(waking: Mapping) -> list[tuple[str, str]]:
    bounds = _waking_bounds(waking)
    if bounds is not None and bounds[0] >= bounds[1]:
        return [
            (
                "waking_hours.end",
                f"Waking hours must end after they start ({waking['start']}–{waking['end']}); "
                "a span across midnight is not supported.",
            )
        ]
    return []


def _check_in_problems(check_in: Mapping, out: list[tuple[str, str]]) -> int | None:
    """Appends ladder-order problems; returns the window in minutes when it can be used."""
    window = _int(check_in.get("window_minutes"))
    first = _int(check_in.get("reminder_after_minutes"))
    second = _int(check_in.get("second_reminder_after_minutes"))
    if first is not None and second is not None and second <= first:
        out.append(
            (
                "check_in.second_reminder_after_minutes",
                f"The second reminder ({second} min) must come after the first ({first} min).",
            )
        )
    if window is not None and second is not None and second >= window:
        out.append(
            (
                "check_in.second_reminder_after_minutes",
                f"The second reminder ({second} min) must come before the check-in counts as missed "
                f"({window} min), so patient and caregiver get a chance to answer (R12).",
            )
        )
    if window is not None and first is not None and first >= window:
        out.append(
            (
                "check_in.reminder_after_minutes",
                f"The first reminder ({first} min) must come before the check-in counts as missed ({window} min).",
            )
        )
    return window if window is not None and 15 <= window <= 720 else None


def _phase_problems(
    index: int, phase: Mapping, bounds: tuple[int, int] | None, window: int | None
) -> list[tuple[str, str]]:
    path = f"phases.{index}"
    out = [(f"{path}.times", msg) for msg in _times_problems(_list(phase.get("times")), bounds, window)]
    every = _int(phase.get("every_days"))
    every = 1 if "every_days" not in phase else every
    if every is not None and every >= 1:
        late = [o for o in _list(phase.get("day_offsets")) if _int(o) is not None and o >= every]
        if late:
            out.append((f"{path}.day_offsets", f"Day offsets must be below every_days ({every}): {late}."))
        if _list(phase.get("weekly_asks")) and every != 1 and every % 7:
            out.append(
                (
                    f"{path}.weekly_asks",
                    f"Weekly items need a check-in every 7th day: every_days must be 1 or "
                    f"a multiple of 7, not {every}.",
                )
            )
    offsets = phase.get("day_offsets")
    if isinstance(offsets, list) and offsets and 0 not in offsets:
        out.append((f"{path}.day_offsets", "Must include 0: the first day of a phase is a check-in day."))
    times = set(_list(phase.get("times")))
    stray = sorted(str(t) for t in _dict(phase.get("asks_at")) if t not in times)
    if stray:
        out.append((f"{path}.asks_at", f"Times not in this phase's times: {', '.join(stray)}."))
    return out


def _times_problems(times: list, bounds: tuple[int, int] | None, window: int | None) -> list[str]:
    parsed = [(t, parse_hhmm(t)) for t in times]
    minutes = [(t, m) for t, m in parsed if m is not None]
    out: list[str] = []
    if bounds is not None:
        start, end = bounds
        out += [
            f"{t} is outside waking hours ({_hhmm(start)}–{_hhmm(end)})." for t, m in minutes if not start <= m < end
        ]
        if window is not None:
            out += [
                f"The check-in at {t} would count as missed at {_hhmm(m + window)}, after waking hours end "
                f"({_hhmm(end)}): its reminders would wake the patient."
                for t, m in minutes
                if start <= m < end < m + window
            ]
    if window is not None:
        for (a, ma), (b, mb) in zip(minutes, minutes[1:], strict=False):
            if 0 < mb - ma < window:
                out.append(
                    f"Check-ins at {a} and {b} are {mb - ma} min apart, less than the check-in window "
                    f"({window} min): a report must answer one check-in only."
                )
    return out


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}" if minutes < 1440 else f"{_hhmm(minutes - 1440)} next day"


def _dose_day_problems(dose_days: list, phases: list[Mapping]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    starts = [s for s in (_int(p.get("from_day")) for p in phases) if s is not None]
    if dose_days and _int(dose_days[0]) not in (None, 0):
        out.append(("dose_days.0", "The first dose is day 0: days are counted from it (D1)."))
    for index, day in enumerate(dose_days[1:], start=1):
        if _int(day) is not None and day not in starts:
            out.append(
                (
                    f"dose_days.{index}",
                    f"A dose on day {day} must start a phase, so the close watch restarts "
                    f"after it (phases start at days {', '.join(map(str, starts))}).",
                )
            )
    return out
