"""assess(): level, ordering, fever masking, late reports, recheck, serialisation."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from app.rules import Assessment, Finding, Level, Thresholds, assess

from .builders import T0, context, report

R, S, U, E = Level.ROUTINE, Level.SAME_DAY, Level.URGENT, Level.EMERGENCY


def test_a_quiet_report_is_routine_with_no_findings() -> None:
    result = assess(report(temp=36.8, hr=78, sbp=122, spo2=98, ice_score=10), context(), Thresholds())
    assert result == Assessment(level=R, findings=(), ice_score=10, recheck_in_minutes=None, fever_may_be_masked=False)


def test_an_empty_report_does_not_crash() -> None:
    assert assess(report(), context(), Thresholds()).level == R


def test_level_is_the_highest_finding_and_findings_come_most_serious_first() -> None:
    result = assess(report(temp=38.3, seizure=True, symptoms={"bleeding_or_bruising": 1}), context(), Thresholds())
    assert result.level == E
    assert [f.level for f in result.findings] == sorted((f.level for f in result.findings), reverse=True)
    assert [f.rule for f in result.findings] == ["R11_severe_neuro", "R1_fever", "R15_bleeding"]


REPORTS_FOR_MASKING: list[dict[str, Any]] = [
    {},
    {"temp": 37.2},
    {"temp": 37.7},
    {"temp": 38.6},
    {"temp": 37.0, "hr": 118},
    {"sbp": 85},
    {"seizure": True},
]


@pytest.mark.parametrize("values", REPORTS_FOR_MASKING)
def test_antipyretic_never_lowers_the_level(values: dict[str, Any]) -> None:
    without = assess(report(**values), context(), Thresholds())
    with_it = assess(report(antipyretic=True, **values), context(), Thresholds())
    assert with_it.level >= without.level
    assert with_it.fever_may_be_masked and not without.fever_may_be_masked
    masked = [f for f in with_it.findings if f.rule == "fever_may_be_masked"]
    assert [f.level for f in masked] == [R]
    assert {f.rule for f in with_it.findings} - {f.rule for f in without.findings} == {"fever_may_be_masked"}


@pytest.mark.parametrize(
    ("delay", "suffix"),
    [
        (timedelta(minutes=30), None),
        (timedelta(minutes=60), None),  # the limit itself is still on time
        (timedelta(minutes=61), " (recorded 1 h 1 min before it was received)"),
        (timedelta(hours=2, minutes=5), " (recorded 2 h 5 min before it was received)"),
        (timedelta(hours=24), " (recorded 24 h 0 min before it was received)"),
    ],
)
def test_late_report_wording(delay: timedelta, suffix: str | None) -> None:
    result = assess(report(temp=38.4), context(received_at=T0 + delay), Thresholds())
    expected = "Temperature 38.4 °C is at or above 38.0 °C" + (suffix or "")
    assert [f.summary for f in result.findings] == [expected]
    assert result.level == U  # up to 24 h a late report still pages


@pytest.mark.parametrize(
    ("values", "fresh", "stale_level"),
    [({"seizure": True}, E, U), ({"temp": 38.4}, U, U), ({"symptoms": {"bleeding_or_bruising": 1}}, S, S)],
)
def test_a_stale_report_keeps_at_least_urgent_for_what_was_urgent_when_fresh(
    values: dict[str, Any], fresh: Level, stale_level: Level
) -> None:
    """L1: no rule lowers a level because a report is late (it used to be capped
    at same-day past 24 h); an emergency becomes urgent, the team reaching the patient now."""
    delay = timedelta(hours=26, minutes=30)
    result = assess(report(**values), context(received_at=T0 + delay), Thresholds())
    assert result.level == stale_level
    assert result.late is not None and (result.late.minutes, result.late.stale) == (26 * 60 + 30, True)
    assert result.late.level_when_recorded == fresh
    finding = result.findings[0]
    assert "(recorded 26 h 30 min before it was received)" in finding.summary
    assert finding.late_by_minutes == 26 * 60 + 30
    if fresh >= U:
        assert "late report: reach the patient now" in finding.summary
        assert finding.thresholds["late_report_relevance_hours"] == 24
    if fresh is E:
        assert finding.summary.endswith("(was emergency when recorded)")


def test_lateness_thresholds_are_configurable() -> None:
    # The relevance window may only grow (a protocol may only make Vigil more careful), so the
    # test raises it to 48 h: a stale emergency stays at least urgent, a fresh one an emergency.
    overrides = {"late_report_minutes": 15, "late_report_relevance_hours": 48}
    thresholds = Thresholds.from_dict(overrides)
    stale = assess(report(seizure=True), context(received_at=T0 + timedelta(hours=49)), thresholds)
    assert stale.level == U and stale.late is not None and stale.late.stale
    on_time = assess(report(seizure=True), context(received_at=T0 + timedelta(hours=47, minutes=59)), thresholds)
    assert on_time.level == E and on_time.late is not None and not on_time.late.stale


def test_a_report_received_before_it_was_recorded_is_not_late() -> None:
    result = assess(report(temp=38.4), context(received_at=T0 - timedelta(minutes=5)), Thresholds())
    assert result.findings[0].summary == "Temperature 38.4 °C is at or above 38.0 °C"


@pytest.mark.parametrize(
    ("values", "recheck"),
    [
        ({"temp": 37.6}, 60),
        ({"hr": 105}, 10),
        ({"temp": 37.6, "hr": 105}, 10),  # the sooner one
        ({"temp": 37.6, "symptoms": {"bleeding_or_bruising": 1}}, 60),  # same-day keeps the recheck
        ({"temp": 37.6, "hr": 130}, None),  # urgent: the team calls now, no "wait and recheck"
        ({"temp": 37.6, "seizure": True}, None),
    ],
)
def test_recheck_minutes(values: dict[str, Any], recheck: int | None) -> None:
    assert assess(report(**values), context(), Thresholds()).recheck_in_minutes == recheck


def test_to_dict_is_json_ready_with_labels() -> None:
    result = assess(report(temp=38.4, hr=112, antipyretic=True), context(), Thresholds())
    data = json.loads(json.dumps(result.to_dict()))
    assert data["level"] == "urgent"
    assert data["fever_may_be_masked"] is True
    assert data["findings"][0] == {
        "rule": "R1_fever",
        "level": "urgent",
        "summary": "Temperature 38.4 °C is at or above 38.0 °C",
        "thresholds": {"fever_c": 38.0},
        "recheck_in_minutes": None,
    }


@pytest.mark.parametrize(("level", "label"), [(R, "routine"), (S, "same_day"), (U, "urgent"), (E, "emergency")])
def test_level_labels_round_trip(level: Level, label: str) -> None:
    assert level.label == label
    assert Level.from_label(label) is level


def test_level_order_and_unknown_label() -> None:
    assert R < S < U < E
    with pytest.raises(ValueError, match="unknown level 'critical'"):
        Level.from_label("critical")


def test_finding_to_dict_copies_thresholds() -> None:
    finding = Finding("R1_fever", U, "x", {"fever_c": 38.0})
    finding.to_dict()["thresholds"]["fever_c"] = 1.0
    assert finding.thresholds == {"fever_c": 38.0}
