"""R4–R8: fever with instability, heart rate, blood pressure, dizziness, oxygen (docs/clinical-rules.md)."""

from __future__ import annotations

from typing import Any

import pytest

from app.rules import Baseline, Level, Thresholds, assess

from .builders import context, fired, report

U, S, R, E = Level.URGENT, Level.SAME_DAY, Level.ROUTINE, Level.EMERGENCY


@pytest.mark.parametrize(
    ("vitals", "baseline_sbp", "expected"),
    [
        ({"temp": 38.2, "hr": 99}, None, None),
        ({"temp": 38.2, "hr": 100}, None, U),
        ({"temp": 37.9, "hr": 120}, None, None),  # no fever: R5a's business
        ({"temp": 38.2, "sbp": 90}, None, None),
        ({"temp": 38.2, "sbp": 89}, None, U),
        ({"temp": 38.2, "sbp": 99}, 130, U),  # R6a baseline criterion counts
        ({"temp": 38.2, "sbp": 100}, 130, None),
        ({"temp": 38.2, "spo2": 92}, None, None),
        ({"temp": 38.2, "spo2": 91}, None, U),
        ({"temp": 38.2, "breathless_at_rest": True}, None, U),
        ({"temp": 38.2, "sbp": 79}, None, E),  # R6b too
        ({"temp": 38.2, "spo2": 89}, None, E),  # R8b too
        ({"temp": 38.2, "hr": 110, "fainted": True}, None, E),
        ({"temp": 38.2, "hr": 110, "blue_lips": True}, None, E),
    ],
)
def test_r4_fever_with_instability(vitals: dict[str, Any], baseline_sbp: float | None, expected: Level | None) -> None:
    ctx = context(baseline=Baseline(systolic_bp=baseline_sbp))
    assert fired(report(**vitals), ctx).get("R4_fever_with_instability") == expected


def test_r4_summary_says_possible_crs_grade_2() -> None:
    result = assess(report(temp=38.4, hr=112, sbp=86), context(), Thresholds())
    r4 = next(f for f in result.findings if f.rule == "R4_fever_with_instability")
    assert r4.summary == (
        "Fever 38.4 °C with heart rate 112/min (≥100), systolic BP 86 mmHg (<90): possible CRS grade ≥2"
    )


@pytest.mark.parametrize(
    ("hr", "temp", "earlier", "r5a", "r5b", "recheck"),
    [
        (99, None, [], None, None, None),
        (100, None, [], R, None, 10),
        (129, 37.0, [], R, None, 10),
        (130, None, [], None, U, None),
        (180, 36.8, [], None, U, None),
        (100, 38.0, [], None, U, None),
        (99, 38.0, [], None, None, None),
        (105, None, [(110, 10)], S, None, None),  # sustained on the recheck
        (105, None, [(110, 60)], S, None, None),
        (105, None, [(110, 61)], R, None, 10),
        (105, None, [(95, 10)], R, None, 10),
    ],
)
def test_r5_heart_rate(
    hr: float,
    temp: float | None,
    earlier: list[tuple[float, int]],
    r5a: Level | None,
    r5b: Level | None,
    recheck: int | None,
) -> None:
    recent = [report(hr=h, minutes_before=m) for h, m in earlier]
    result = assess(report(hr=hr, temp=temp), context(recent=recent), Thresholds())
    levels = {f.rule: f.level for f in result.findings}
    assert levels.get("R5a_tachycardia") == r5a
    assert levels.get("R5b_tachycardia_urgent") == r5b
    assert result.recheck_in_minutes == recheck


@pytest.mark.parametrize(
    ("flags", "baseline_sbp", "r6a", "r6b"),
    [
        ({"sbp": 90}, None, None, None),
        ({"sbp": 89}, None, U, None),
        ({"sbp": 80}, None, U, None),
        ({"sbp": 79}, None, U, E),
        ({"sbp": 95}, None, None, None),  # no baseline: relative rule cannot apply (R20)
        ({"sbp": 95}, 120, U, None),  # 95 < 96 (80% of 120) and < 100
        ({"sbp": 96}, 120, None, None),
        ({"sbp": 103}, 130, None, None),  # < 80% of 130 but not < 100
        ({"sbp": 99}, 130, U, None),
        ({"fainted": True}, None, None, E),
        ({"unable_to_stand": True}, None, None, E),
        ({"unable_to_stand": False, "fainted": False, "sbp": 120}, 120, None, None),
    ],
)
def test_r6_blood_pressure(
    flags: dict[str, Any], baseline_sbp: float | None, r6a: Level | None, r6b: Level | None
) -> None:
    result = fired(report(**flags), context(baseline=Baseline(systolic_bp=baseline_sbp)))
    assert result.get("R6a_low_blood_pressure") == r6a
    assert result.get("R6b_shock_signs") == r6b


def test_r6a_summary_mentions_an_earlier_low_reading() -> None:
    recent = [report(sbp=86, minutes_before=30)]
    result = assess(report(sbp=88), context(recent=recent), Thresholds())
    assert result.findings[0].summary == ("Systolic BP 88 mmHg (<90); also systolic BP 86 mmHg (<90) 30 min earlier")


def test_r6a_baseline_summary_gives_the_baseline() -> None:
    result = assess(report(sbp=95), context(baseline=Baseline(systolic_bp=125)), Thresholds())
    assert result.findings[0].summary == "Systolic BP 95 mmHg (<80% of baseline 125 and <100)"


@pytest.mark.parametrize(
    ("dizziness", "earlier", "expected"),
    [
        (1, [], None),
        (2, [], U),  # new
        (2, [(1, 60)], U),  # worse
        (3, [(2, 60)], U),
        (2, [(2, 60)], S),  # persisting
        (2, [(3, 60), (1, 120)], S),  # lower than the recent maximum
        (2, [(3, 25 * 60)], U),  # outside the 24 h look-back: new again
        (2, [(None, 60)], U),  # earlier report did not answer dizziness
    ],
)
def test_r7_dizziness(dizziness: int, earlier: list[tuple[int | None, int]], expected: Level | None) -> None:
    recent = [report(symptoms={} if d is None else {"dizziness": d}, minutes_before=m) for d, m in earlier]
    result = fired(report(symptoms={"dizziness": dizziness}), context(recent=recent))
    assert result.get("R7_dizziness") == expected


@pytest.mark.parametrize(
    ("flags", "r8a", "r8b"),
    [
        ({"spo2": 92}, None, None),
        ({"spo2": 91}, U, None),
        ({"spo2": 90}, U, None),
        ({"spo2": 89}, U, E),
        ({"breathless_at_rest": True}, U, None),
        ({"symptoms": {"shortness_of_breath": 2}}, None, None),
        ({"symptoms": {"shortness_of_breath": 3}}, U, None),
        ({"blue_lips": True}, None, E),
        ({"cannot_speak_full_sentences": True}, None, E),
        ({"spo2": 97, "blue_lips": False, "breathless_at_rest": False}, None, None),
    ],
)
def test_r8_oxygen_and_breathing(flags: dict[str, Any], r8a: Level | None, r8b: Level | None) -> None:
    result = fired(report(**flags))
    assert result.get("R8a_low_oxygen") == r8a
    assert result.get("R8b_severe_low_oxygen") == r8b
