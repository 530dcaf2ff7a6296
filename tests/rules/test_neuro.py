"""R9–R11: neuro checklist, ICE score, severe neuro events (REFERENCE §6, §2.3)."""

from __future__ import annotations

import pytest

from app.rules import Baseline, Level, Thresholds, assess

from .builders import context, fired, report

U, E = Level.URGENT, Level.EMERGENCY

R9_FLAGS = [
    "confusion",
    "word_finding_difficulty",
    "handwriting_changed",
    "tremor",
    "excessive_sleepiness",
    "agitation",
    "severe_headache",
]


@pytest.mark.parametrize("flag", R9_FLAGS)
def test_r9_each_sign_is_urgent(flag: str) -> None:
    assert fired(report(**{flag: True})).get("R9_neuro_change") == U
    assert fired(report(**{flag: False})) == {}


def test_r9_summary_lists_every_sign() -> None:
    result = assess(report(confusion=True, tremor=True), context(), Thresholds())
    assert result.findings[0].summary == "Neuro change: confusion, tremor"


@pytest.mark.parametrize(
    ("score", "r10a", "r10b", "wording"),
    [
        (10, None, None, None),
        (9, U, None, "grade 1"),
        (8, U, None, "grade 1"),
        (7, U, None, "grade 1"),
        (6, None, E, "grade 2"),
        (3, None, E, "grade 2"),
        (2, None, E, "grade 3–4"),
        (0, None, E, "grade 3–4"),
    ],
)
def test_r10_ice_bands(score: int, r10a: Level | None, r10b: Level | None, wording: str | None) -> None:
    result = assess(report(ice_score=score), context(), Thresholds())
    levels = {f.rule: f.level for f in result.findings}
    assert levels.get("R10a_ice_drop") == r10a
    assert levels.get("R10b_ice_severe") == r10b
    assert result.ice_score == score
    if wording:
        assert wording in result.findings[0].summary


def test_r10b_unable_to_do_the_test_is_an_emergency() -> None:
    result = assess(report(ice_unable=True), context(), Thresholds())
    assert {f.rule: f.level for f in result.findings} == {"R10b_ice_severe": E}
    assert "grade 3–4" in result.findings[0].summary
    assert result.ice_score == 0


@pytest.mark.parametrize(
    ("score", "baseline", "expected"),
    [
        # Issue 13 item 6: a site may no longer lower the urgent band to ICE ≤ 7 (ASTCT: 7–9 is
        # ICANS grade 1), so every score below 10 is urgent whatever the baseline says.
        (8, 10, U),
        (8, 8, U),
        (8, None, U),  # no baseline: the absolute band still fires, no crash (R20)
        (7, 10, U),
        (10, 10, None),
    ],
)
def test_r10a_drop_from_baseline(score: int, baseline: int | None, expected: Level | None) -> None:
    ctx = context(baseline=Baseline(ice_score=baseline))
    assert fired(report(ice_score=score), ctx).get("R10a_ice_drop") == expected


def test_r10a_baseline_summary() -> None:
    result = assess(report(ice_score=9), context(baseline=Baseline(ice_score=10)), Thresholds())
    assert result.findings[0].summary == "ICE score 9/10 is at or below 9 (≈ ICANS grade 1) and 1 below baseline 10"


@pytest.mark.parametrize("flag", ["seizure", "hard_to_wake", "fainted", "facial_droop_or_weakness"])
def test_r11_severe_neuro_is_an_emergency(flag: str) -> None:
    result = assess(report(**{flag: True}), context(), Thresholds())
    assert {f.rule: f.level for f in result.findings}.get("R11_severe_neuro") == E
    assert result.level == E
