"""R1, R2, R3, R16 and extra rule X1 (docs/clinical-rules.md)."""

from __future__ import annotations

import pytest

from app.rules import Level, Thresholds, assess, fahrenheit_to_celsius

from .builders import context, fired, report

U, S, R, E = Level.URGENT, Level.SAME_DAY, Level.ROUTINE, Level.EMERGENCY


@pytest.mark.parametrize(
    ("temp", "day", "expected"),
    [
        (37.9, 5, None),
        (38.0, 5, U),
        (fahrenheit_to_celsius(100.4), 5, U),  # 37.99999… after conversion still fires
        (fahrenheit_to_celsius(100.3), 5, None),
        (40.1, 0, U),
        (38.0, 30, U),
        (38.0, 31, None),  # R16 instead
        (38.5, -3, U),  # before infusion (lymphodepletion) a fever still matters
    ],
)
def test_r1_fever(temp: float, day: int, expected: Level | None) -> None:
    assert fired(report(temp=temp), context(day=day)).get("R1_fever") == expected


def test_r1_site_may_lower_fever_to_37_5() -> None:
    site = {"fever_c": 37.5, "low_grade_fever_c": 37.5}
    assert fired(report(temp=37.6), **site) == {"R1_fever": U}
    assert fired(report(temp=37.4), **site) == {}


def test_r1_summary_states_the_numbers() -> None:
    result = assess(report(temp=38.4), context(), Thresholds())
    assert result.findings[0].summary == "Temperature 38.4 °C is at or above 38.0 °C"
    assert result.findings[0].thresholds == {"fever_c": 38.0}
    assert result.recheck_in_minutes is None  # no recheck first


@pytest.mark.parametrize(
    ("temp", "day", "expected"),
    [(38.0, 31, U), (37.9, 31, None), (39.0, 120, U), (38.0, 30, None)],
)
def test_r16_fever_after_day_30(temp: float, day: int, expected: Level | None) -> None:
    result = fired(report(temp=temp), context(day=day))
    assert result.get("R16_fever_infection_risk") == expected
    if expected:
        assert "R1_fever" not in result


def test_r16_summary_names_infection_risk() -> None:
    result = assess(report(temp=38.2), context(day=45), Thresholds())
    assert "infection risk" in result.findings[0].summary
    assert "day 45" in result.findings[0].summary


@pytest.mark.parametrize(
    ("temp", "earlier", "expected", "recheck"),
    [
        (37.4, [], None, None),
        (37.5, [], R, 60),
        (37.9, [], R, 60),
        (37.6, [(37.6, 50)], S, None),  # the recheck confirms it
        (37.6, [(38.3, 30)], S, None),
        (37.6, [(37.6, 120)], S, None),
        # Two check-ins in a row within 6 h count, not only a 2-hour recheck.
        (37.6, [(37.6, 240)], S, None),
        (37.6, [(37.6, 360)], S, None),  # window edge is inclusive
        (37.6, [(37.6, 361)], R, 60),  # too long ago to count
        (37.6, [(37.2, 50)], R, 60),
        (37.6, [(None, 50)], R, 60),
        (37.6, [(37.8, -5)], R, 60),  # a "recent" report after this one is ignored
        (37.6, [(37.8, 0)], R, 60),  # same instant: a duplicate, not a recheck
    ],
)
def test_r2_low_grade_temperature(
    temp: float, earlier: list[tuple[float | None, int]], expected: Level | None, recheck: int | None
) -> None:
    recent = [report(temp=t, minutes_before=m) for t, m in earlier]
    result = assess(report(temp=temp), context(recent=recent), Thresholds())
    levels = {f.rule: f.level for f in result.findings}
    assert levels.get("R2_low_grade_temperature") == expected
    assert result.recheck_in_minutes == recheck


def test_r2_persisting_summary_names_the_earlier_reading() -> None:
    recent = [report(temp=37.7, minutes_before=55)]
    result = assess(report(temp=37.6), context(recent=recent), Thresholds())
    assert result.findings[0].summary == ("Temperature 37.6 °C is at or above 37.5 °C and was 37.7 °C 55 min earlier")


@pytest.mark.parametrize(("temp", "expected"), [(36.0, None), (35.9, U), (34.0, U), (36.5, None)])
def test_r3_low_temperature(temp: float, expected: Level | None) -> None:
    assert fired(report(temp=temp)).get("R3_low_temperature") == expected


@pytest.mark.parametrize(("chills", "expected"), [(0, None), (2, None), (3, S), (4, S)])
def test_x1_rigors(chills: int, expected: Level | None) -> None:
    assert fired(report(symptoms={"chills": chills})).get("X1_rigors") == expected
