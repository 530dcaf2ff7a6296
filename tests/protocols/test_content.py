"""Protocol content: the shipped defaults are valid, and a bad protocol is refused with every
problem named at its dotted path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from app.protocols import SHIPPED, ProtocolContentSchema, validate_content
from app.protocols.defaults import ALL_PRODUCTS
from app.protocols.schedule import phase_for_day

BY_FAMILY = {p["family"]: p for p in SHIPPED}


def content(family: str = "us-cd19") -> dict:
    return copy.deepcopy(BY_FAMILY[family]["content"])


def minimal() -> dict:
    """A small valid protocol to break one piece at a time."""
    return {
        "restrictions": {
            "stay_near_center_days": 14,
            "no_driving_days": 14,
            "caregiver_days": 14,
            "monitoring_days": 14,
        },
        "waking_hours": {"start": "07:00", "end": "22:00"},
        "phases": [
            {
                "name": "acute",
                "from_day": 0,
                "to_day": 7,
                "times": ["08:00", "20:00"],
                "asks": ["vitals"],
                "missed_level": "urgent",
            },
            # Urgent: days 8–14 are in every shipped acute window, and a protocol may not lower a
            # missed check-in below the shipped level.
            {
                "name": "later",
                "from_day": 8,
                "to_day": 30,
                "times": ["10:00"],
                "asks": ["temperature"],
                "missed_level": "urgent",
            },
            {
                "name": "late",
                "from_day": 31,
                "to_day": None,
                "times": ["10:00"],
                "every_days": 7,
                "asks": ["temperature"],
                "weekly_asks": ["weekly_pro"],
                "missed_level": "routine",
            },
        ],
        "check_in": {"window_minutes": 120, "reminder_after_minutes": 30, "second_reminder_after_minutes": 90},
    }


# ---- the shipped defaults ---------------------------------------------------------------------


@pytest.mark.parametrize("family", sorted(BY_FAMILY))
def test_every_shipped_protocol_is_valid(family: str) -> None:
    assert validate_content(BY_FAMILY[family]["content"]) == {}


@pytest.mark.parametrize("family", sorted(BY_FAMILY))
def test_shipped_content_is_stored_with_its_defaults_already_filled_in(family: str) -> None:
    # What the migration stores is exactly what loading it would give: no hidden defaults.
    assert ProtocolContentSchema().load(BY_FAMILY[family]["content"]) == BY_FAMILY[family]["content"]


def test_the_minimal_protocol_used_below_is_valid() -> None:
    assert validate_content(minimal()) == {}


@pytest.mark.parametrize("jurisdiction", ["US", "EU", "UK"])
@pytest.mark.parametrize("product", ALL_PRODUCTS)
def test_each_product_has_exactly_one_default_per_jurisdiction(jurisdiction: str, product: str) -> None:
    matches = [p["family"] for p in SHIPPED if p["jurisdiction"] == jurisdiction and product in p["products"]]
    assert len(matches) == 1, matches


@pytest.mark.parametrize(
    ("family", "near", "driving"),
    [
        ("us-cd19", 14, 14),
        ("us-abecma", 14, 14),
        ("us-carvykti", 14, 14),  # R17, R18: US labels
        ("us-aucatzyl", 28, 56),
        ("eu-aucatzyl", 28, 56),
        ("uk-aucatzyl", 28, 56),  # §1.2
        ("eu-default", 28, 56),
        ("uk-default", 28, 56),  # §1.3
    ],
)
def test_restriction_lengths_per_jurisdiction_and_product(family: str, near: int, driving: int) -> None:
    restrictions = BY_FAMILY[family]["content"]["restrictions"]
    assert (restrictions["stay_near_center_days"], restrictions["no_driving_days"]) == (near, driving)


@pytest.mark.parametrize(
    ("family", "acute_days"),
    [
        ("us-cd19", 14),
        ("us-abecma", 14),
        ("us-carvykti", 14),
        ("us-aucatzyl", 28),
        ("eu-default", 28),
        ("uk-default", 28),
    ],
)
def test_a_missed_check_in_is_urgent_in_the_acute_window_then_same_day_then_routine(
    family: str, acute_days: int
) -> None:
    c = BY_FAMILY[family]["content"]
    assert {phase_for_day(c, d)["missed_level"] for d in range(acute_days + 1)} == {"urgent"}
    assert phase_for_day(c, acute_days + 1)["missed_level"] == "same_day"
    assert phase_for_day(c, 101)["missed_level"] == "routine"


@pytest.mark.parametrize("family", ["us-cd19", "us-abecma", "us-carvykti", "eu-default", "uk-default"])
def test_us_label_daily_monitoring_days_0_to_7_four_times_a_day(family: str) -> None:
    c = BY_FAMILY[family]["content"]
    assert all(phase_for_day(c, d)["times"] == ["08:00", "12:00", "16:00", "20:00"] for d in range(8))


@pytest.mark.parametrize("family", ["us-abecma", "us-carvykti", "eu-default"])
def test_bcma_protocols_keep_movement_and_handwriting_checks_beyond_day_100(family: str) -> None:
    late = phase_for_day(BY_FAMILY[family]["content"], 400)
    assert late["to_day"] is None
    assert {"movement", "handwriting"} <= set(late["asks"])


def test_carvykti_adds_the_diarrhoea_and_weight_watch() -> None:
    carvykti, abecma = BY_FAMILY["us-carvykti"]["content"], BY_FAMILY["us-abecma"]["content"]
    for day in (0, 20, 50):
        phase = phase_for_day(carvykti, day)
        assert "diarrhea" in phase["asks_at"].get("08:00", phase["asks"])
        assert "weight" in phase["weekly_asks"]
        assert "diarrhea" not in str(phase_for_day(abecma, day))


def test_aucatzyl_is_split_dose_with_a_phase_starting_at_the_second_dose() -> None:
    c = BY_FAMILY["us-aucatzyl"]["content"]
    assert c["dose_days"] == [0, 10]
    assert phase_for_day(c, 10)["from_day"] == 10
    assert phase_for_day(c, 10)["times"] == ["08:00", "12:00", "16:00", "20:00"]


# ---- each kind of problem, named at its path --------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def apply(c: dict) -> None:
        *parents, last = path.split(".")
        target: Any = c
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return apply


def _delete(path: str) -> Callable[[dict], None]:
    def apply(c: dict) -> None:
        *parents, last = path.split(".")
        target: Any = c
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]

    return apply


PROBLEMS = [
    # (case, change, path, words in the message)
    ("unknown top-level key", _set("reminders", 5), "reminders", "Unknown field"),
    ("unknown phase key", _set("phases.0.weekly_pro", True), "phases.0.weekly_pro", "Unknown field"),
    ("missing section", _delete("check_in"), "check_in", "Missing data"),
    ("missing phase field", _delete("phases.1.missed_level"), "phases.1.missed_level", "Missing data"),
    (
        "gap between phases",
        _set("phases.1.from_day", 9),
        "phases.1.from_day",
        "Phases must be contiguous: phase 1 starts at day 9, the previous one ended at day 7.",
    ),
    ("overlapping phases", _set("phases.1.from_day", 5), "phases.1.from_day", "contiguous"),
    ("first phase after day 0", _set("phases.0.from_day", 1), "phases.0.from_day", "start at day 0"),
    ("phase ending before it starts", _set("phases.1.to_day", 6), "phases.1.to_day", "before it starts"),
    ("open-ended phase not last", _set("phases.1.to_day", None), "phases.1.to_day", "Only the last phase"),
    ("duplicate phase names", _set("phases.2.name", "acute"), "phases.2.name", "unique"),
    ("invalid time", _set("phases.0.times", ["08:00", "24:30"]), "phases.0.times.1", "HH:MM"),
    ("time without leading zero", _set("phases.0.times", ["8:00"]), "phases.0.times.0", "HH:MM"),
    ("times not sorted", _set("phases.0.times", ["20:00", "08:00"]), "phases.0.times", "ascending"),
    ("times repeated", _set("phases.0.times", ["08:00", "08:00"]), "phases.0.times", "without repeats"),
    ("no times", _set("phases.0.times", []), "phases.0.times", "Length must be between 1 and 12"),
    ("time outside waking hours", _set("phases.1.times", ["06:00"]), "phases.1.times", "outside waking hours"),
    ("missed verdict after bedtime", _set("phases.1.times", ["21:00"]), "phases.1.times", "after waking hours end"),
    ("check-ins closer than the window", _set("phases.0.times", ["08:00", "09:00"]), "phases.0.times", "60 min apart"),
    ("every_days below 1", _set("phases.1.every_days", 0), "phases.1.every_days", "greater than or equal to 1"),
    ("every_days not an integer", _set("phases.1.every_days", 1.5), "phases.1.every_days", "Not a valid integer"),
    ("day offset beyond every_days", _set("phases.2.day_offsets", [0, 7]), "phases.2.day_offsets", "below every_days"),
    ("day offsets without day 0", _set("phases.2.day_offsets", [3]), "phases.2.day_offsets", "Must include 0"),
    ("weekly items that never land weekly", _set("phases.2.every_days", 3), "phases.2.weekly_asks", "multiple of 7"),
    ("unknown missed level", _set("phases.0.missed_level", "critical"), "phases.0.missed_level", "Must be one of"),
    ("unknown ask", _set("phases.0.asks", ["vitals", "mood"]), "phases.0.asks.1", "Must be one of"),
    ("restriction ask in a phase", _set("phases.0.asks", ["driving"]), "phases.0.asks.0", "Must be one of"),
    ("no asks", _set("phases.0.asks", []), "phases.0.asks", "Shorter than minimum"),
    ("repeated ask", _set("phases.0.asks", ["vitals", "vitals"]), "phases.0.asks", "Must not repeat"),
    ("asks_at for a time not scheduled", _set("phases.0.asks_at", {"12:00": ["vitals"]}), "phases.0.asks_at", "12:00"),
    (
        "restriction too long",
        _set("restrictions.no_driving_days", 400),
        "restrictions.no_driving_days",
        "less than or equal to 365",
    ),
    (
        "restriction negative",
        _set("restrictions.caregiver_days", -1),
        "restrictions.caregiver_days",
        "greater than or equal to 0",
    ),
    (
        "restriction as a boolean",
        _set("restrictions.stay_near_center_days", True),
        "restrictions.stay_near_center_days",
        "Not a valid integer",
    ),
    (
        "restriction as text",
        _set("restrictions.monitoring_days", "14"),
        "restrictions.monitoring_days",
        "Not a valid integer",
    ),
    (
        "waking hours backwards",
        _set("waking_hours", {"start": "22:00", "end": "07:00"}),
        "waking_hours.end",
        "end after they start",
    ),
    ("window too short", _set("check_in.window_minutes", 5), "check_in.window_minutes", "greater than or equal to 15"),
    (
        "reminders in the wrong order",
        _set("check_in.second_reminder_after_minutes", 20),
        "check_in.second_reminder_after_minutes",
        "after the first",
    ),
    (
        "second reminder after the check-in is missed",
        _set("check_in.second_reminder_after_minutes", 130),
        "check_in.second_reminder_after_minutes",
        "before the check-in counts as missed",
    ),
    (
        "paging confirmation of zero minutes",
        _set("paging", {"confirm_minutes": 0}),
        "paging.confirm_minutes",
        "greater than or equal to 1",
    ),
    # 41 °C is now refused as less careful; below 37.5 °C is outside the range.
    (
        "threshold outside its plausible range",
        _set("thresholds", {"fever_c": 37.4}),
        "thresholds.fever_c",
        "plausible range",
    ),
    (
        "threshold on its unsafe side",
        _set("thresholds", {"fever_c": 38.1}),
        "thresholds.fever_c",
        "less careful than the reference figure 38.0",
    ),
    (
        "missed check-in lowered in the acute window",
        _set("phases.0.missed_level", "same_day"),
        "phases.0.missed_level",
        "never lower it",
    ),
    ("unknown threshold", _set("thresholds", {"fever_f": 100.4}), "thresholds.fever_f", "unknown threshold"),
    # Hypoxia_spo2 may no longer go below 92, so the inversion is shown above it.
    (
        "inverted thresholds",
        _set("thresholds", {"hypoxia_spo2": 93, "severe_hypoxia_spo2": 94}),
        "thresholds.severe_hypoxia_spo2",
        "must not exceed",
    ),
    ("dose day inside a phase", _set("dose_days", [0, 10]), "dose_days.1", "must start a phase"),
    ("first dose not day 0", _set("dose_days", [2]), "dose_days.0", "first dose is day 0"),
    ("dose days out of order", _set("dose_days", [8, 0]), "dose_days", "ascending"),
]


@pytest.mark.parametrize(("change", "path", "words"), [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS])
def test_each_kind_of_problem_is_named_at_its_path(change: Callable[[dict], None], path: str, words: str) -> None:
    c = minimal()
    change(c)
    problems = validate_content(c)
    assert path in problems, problems
    assert any(words in message for message in problems[path]), problems[path]


def test_several_problems_are_all_named_at_once() -> None:
    c = minimal()
    c["phases"][1]["from_day"] = 9
    c["phases"][0]["times"] = ["08:00", "23:00"]
    c["phases"][2]["missed_level"] = "whenever"
    c["restrictions"]["no_driving_days"] = 999
    c["thresholds"] = {"fever_c": 36, "tachycardia_hr": "fast"}
    c["colour"] = "blue"
    assert set(validate_content(c)) == {
        "phases.1.from_day",
        "phases.0.times",
        "phases.2.missed_level",
        "restrictions.no_driving_days",
        "thresholds.fever_c",
        "thresholds.tachycardia_hr",
        "colour",
    }


def test_a_shipped_protocol_with_two_mistakes_names_both() -> None:
    c = content("eu-default")
    c["phases"][3]["from_day"] = 30
    c["check_in"]["reminder_after_minutes"] = 200
    problems = validate_content(c)
    assert problems["phases.3.from_day"] == [
        "Phases must be contiguous: phase 3 starts at day 30, the previous one ended at day 28."
    ]
    assert "check_in.reminder_after_minutes" in problems


@pytest.mark.parametrize("garbage", [None, [], "protocol", 7])
def test_content_that_is_not_an_object_is_refused(garbage: Any) -> None:
    assert validate_content(garbage) == {"content": ["Protocol content must be a JSON object."]}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("phases", "daily"),
        ("phases", [None, 3]),
        ("phases", [{"times": "08:00", "every_days": "x"}]),
        ("check_in", []),
        ("waking_hours", {"start": 7, "end": None}),
        ("thresholds", ["fever_c"]),
        ("dose_days", [0, "ten", None]),
        ("restrictions", None),
    ],
)
def test_wrong_types_are_named_and_never_crash_the_checks(key: str, value: Any) -> None:
    c = minimal()
    c[key] = value
    problems = validate_content(c)
    assert problems and all(path.split(".")[0] == key for path in problems), problems


def test_an_empty_object_names_every_required_section() -> None:
    assert set(validate_content({})) == {"restrictions", "waking_hours", "phases", "check_in"}


def test_loading_fills_in_the_defaults() -> None:
    loaded = ProtocolContentSchema().load(minimal())
    assert loaded["phases"][0]["every_days"] == 1
    assert loaded["phases"][0]["day_offsets"] == [0]
    assert loaded["phases"][0]["weekly_asks"] == []
    assert loaded["paging"] == {"confirm_minutes": 10}
    assert (loaded["thresholds"], loaded["dose_days"]) == ({}, [0])
