"""R13 BCMA delayed neurotoxicity, X2, R14 Carvykti IEC-enterocolitis, R15 bleeding."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.rules import Baseline, Level, Thresholds, assess

from .builders import T0, context, fired, report

U, S = Level.URGENT, Level.SAME_DAY

R13_FLAGS = [
    "slowness_or_shuffling",
    "reduced_facial_expression",
    "personality_change",
    "limb_numbness_or_weakness",
    "handwriting_changed",
    "facial_droop_or_weakness",
    "tremor",
]


@pytest.mark.parametrize(
    ("product", "day", "expected"),
    [
        ("abecma", 20, U),
        ("carvykti", 20, U),
        ("yescarta", 20, None),  # a CD19 product never gets R13
        ("kymriah", 90, None),
        ("carvykti", 10, None),
        ("carvykti", 14, None),
        ("carvykti", 15, U),
        ("carvykti", 100, U),
        ("carvykti", 180, U),
        ("carvykti", 181, None),
    ],
)
def test_r13_window_and_target(product: str, day: int, expected: Level | None) -> None:
    result = fired(report(slowness_or_shuffling=True), context(product, day))
    assert result.get("R13_delayed_neurotoxicity") == expected


@pytest.mark.parametrize("flag", R13_FLAGS)
def test_r13_each_sign_fires(flag: str) -> None:
    assert fired(report(**{flag: True}), context("carvykti", 60)).get("R13_delayed_neurotoxicity") == U


def test_r13_comes_besides_r9_and_r11() -> None:
    result = fired(report(tremor=True, facial_droop_or_weakness=True), context("abecma", 40))
    assert result == {
        "R13_delayed_neurotoxicity": U,
        "R9_neuro_change": U,
        "R11_severe_neuro": Level.EMERGENCY,
    }


def test_r13_window_is_configurable() -> None:
    ctx = context("carvykti", 200)
    assert "R13_delayed_neurotoxicity" in fired(report(personality_change=True), ctx, bcma_late_to_day=365)


@pytest.mark.parametrize(
    ("product", "day", "expected"),
    [("yescarta", 20, S), ("carvykti", 10, S), ("carvykti", 20, None), ("abecma", 200, S)],
)
def test_x2_movement_or_mood_outside_r13(product: str, day: int, expected: Level | None) -> None:
    result = fired(report(slowness_or_shuffling=True), context(product, day))
    assert result.get("X2_movement_or_mood_change") == expected


def _days(*diarrhea_days_ago: int, score: int = 3) -> list[Any]:
    return [report(symptoms={"diarrhea": score}, minutes_before=d * 24 * 60) for d in diarrhea_days_ago]


@pytest.mark.parametrize(
    ("product", "current", "recent", "baseline_kg", "expected"),
    [
        ("carvykti", {"symptoms": {"diarrhea": 3}}, _days(1, 2), None, S),
        ("carvykti", {"symptoms": {"diarrhea": 4}}, _days(1, 6), None, S),
        ("carvykti", {"symptoms": {"diarrhea": 3}}, _days(1), None, None),  # only 2 days
        ("carvykti", {"symptoms": {"diarrhea": 3}}, _days(1, 8), None, None),  # 8 days ago is outside 7
        ("carvykti", {"symptoms": {"diarrhea": 3}}, _days(1, 2, score=2), None, None),
        ("carvykti", {"symptoms": {"diarrhea": 2}}, _days(1, 2), None, None),  # today is not a diarrhoea day
        # several reports on one day count once
        (
            "carvykti",
            {"symptoms": {"diarrhea": 3}},
            [report(symptoms={"diarrhea": 3}, minutes_before=m) for m in (60, 120)],
            None,
            None,
        ),
        ("carvykti", {"weight": 71.25}, [], 75.0, S),  # exactly 5% below baseline
        ("carvykti", {"weight": 71.3}, [], 75.0, None),
        ("carvykti", {"weight": 60.0}, [], None, None),  # no baseline weight (R20)
        ("carvykti", {"symptoms": {"diarrhea": 2, "abdominal_pain": 3}}, [], None, S),
        ("carvykti", {"symptoms": {"diarrhea": 2, "abdominal_pain": 2}}, [], None, None),
        # Diarrhoea of any amount with severe abdominal pain (it needed 2).
        ("carvykti", {"symptoms": {"diarrhea": 1, "abdominal_pain": 4}}, [], None, S),
        ("carvykti", {"symptoms": {"diarrhea": 1, "abdominal_pain": 3}}, [], None, S),
        ("carvykti", {"symptoms": {"diarrhea": 0, "abdominal_pain": 4}}, [], None, None),
        ("carvykti", {"symptoms": {"diarrhea": 4, "abdominal_pain": 2}}, [], None, None),
        ("carvykti", {"symptoms": {"diarrhea": 2, "abdominal_pain": 3}, "temp": 38.1}, [], None, U),
        ("carvykti", {"symptoms": {"diarrhea": 2, "abdominal_pain": 3}, "blood_in_stool": True}, [], None, U),
        ("carvykti", {"weight": 70.0, "temp": 38.0}, [], 75.0, U),
        ("carvykti", {"blood_in_stool": True}, [], None, None),  # blood alone is R15, not R14
        ("abecma", {"symptoms": {"diarrhea": 2, "abdominal_pain": 3}}, [], None, None),
        ("yescarta", {"weight": 60.0}, [], 75.0, None),
    ],
)
def test_r14_enterocolitis(
    product: str, current: dict[str, Any], recent: list[Any], baseline_kg: float | None, expected: Level | None
) -> None:
    ctx = context(product, 60, recent=recent, baseline=Baseline(weight_kg=baseline_kg))
    assert fired(report(**current), ctx).get("R14_enterocolitis") == expected


def test_r14_counts_days_in_the_patients_time_zone() -> None:
    # 03:30 and 05:30 UTC are the same UTC day but 21:30 and 23:30 the day before in Chicago;
    # 07:00 UTC is 01:00 the next Chicago day. Only the local calendar gives 3 days here.
    now = T0.replace(hour=7, minute=0)
    recent = [report(at=now, symptoms={"diarrhea": 3}, minutes_before=m) for m in (90, 210, 24 * 60 + 210)]
    current = report(at=now, symptoms={"diarrhea": 3})
    chicago = ZoneInfo("America/Chicago")
    assert fired(current, context("carvykti", 40, recent=recent)).get("R14_enterocolitis") is None
    local = context("carvykti", 40, recent=recent, local_tz=chicago)
    assert fired(current, local).get("R14_enterocolitis") == S


def test_r14_summary() -> None:
    ctx = context("carvykti", 60, baseline=Baseline(weight_kg=80))
    result = assess(report(weight=75.2, blood_in_stool=True), ctx, Thresholds())
    r14 = next(f for f in result.findings if f.rule == "R14_enterocolitis")
    assert r14.summary == (
        "Possible immune effector cell enterocolitis: weight 75.2 kg is 6% below baseline 80 kg (≥5%), "
        "with blood in stool"
    )


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"symptoms": {"bleeding_or_bruising": 0}}, None),
        ({"symptoms": {"bleeding_or_bruising": 1}}, S),
        ({"symptoms": {"bleeding_or_bruising": 4}}, S),
        ({"heavy_bleeding": True}, U),
        ({"heavy_bleeding": True, "symptoms": {"bleeding_or_bruising": 2}}, U),
        ({"blood_in_stool": True}, S),
        ({"heavy_bleeding": False, "blood_in_stool": False}, None),
    ],
)
def test_r15_bleeding(flags: dict[str, Any], expected: Level | None) -> None:
    assert fired(report(**flags)).get("R15_bleeding") == expected


def test_unknown_symptom_keys_are_ignored() -> None:
    assert fired(report(symptoms={"hiccups": 4, "dizziness": 0})) == {}


def test_recent_reports_newer_than_the_current_one_are_ignored() -> None:
    later = report(symptoms={"diarrhea": 3}, at=T0 + timedelta(days=1))
    ctx = context("carvykti", 60, recent=[later, *_days(1)])
    assert fired(report(symptoms={"diarrhea": 3}), ctx).get("R14_enterocolitis") is None
