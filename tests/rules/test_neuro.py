"""R9–R11: neuro checklist, ICE score, severe neuro events (docs/clinical-rules.md)."""

from __future__ import annotations

import pytest

from app.rules import Baseline, Level, Thresholds, assess

from .builders import context, fired, report

U, E, S = Level.URGENT, Level.EMERGENCY, Level.SAME_DAY

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
        # A site may no longer lower the urgent band to ICE ≤ 7 (ASTCT: 7–9 is
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


# --- headache on the symptom scale, arm/leg weakness and its side, new items --------


@pytest.mark.parametrize(("score", "expected"), [(0, None), (2, None), (3, U), (4, U)])
def test_r9_severe_headache_on_the_symptom_scale(score: int, expected: Level | None) -> None:
    assert fired(report(symptoms={"headache": score})).get("R9_neuro_change") == expected


def test_r9_headache_threshold_can_only_be_lowered() -> None:
    assert fired(report(symptoms={"headache": 2}), headache_min_score=2).get("R9_neuro_change") == U
    with pytest.raises(ValueError, match="headache_min_score"):
        Thresholds.from_dict({"headache_min_score": 4})


@pytest.mark.parametrize("flag", ["speech_understanding_difficulty", "hallucinations"])
def test_r9_new_checklist_items(flag: str) -> None:
    result = assess(report(**{flag: True}), context(), Thresholds())
    assert {f.rule: f.level for f in result.findings} == {"R9_neuro_change": U}


@pytest.mark.parametrize(
    ("product", "day", "side", "expected"),
    [
        ("yescarta", -1, False, U),
        ("yescarta", 30, False, U),
        ("yescarta", 31, False, S),  # X2 same-day after the window, both sides
        ("yescarta", 31, None, U),  # unknown side: at least urgent at any day
        ("abecma", 200, None, U),
        ("abecma", 200, False, S),
        ("carvykti", 40, False, U),  # R13
        ("kymriah", 5, True, E),
        ("kymriah", 400, True, E),
    ],
)
def test_limb_weakness_by_day_and_side(product: str, day: int, side: bool | None, expected: Level) -> None:
    result = assess(
        report(limb_numbness_or_weakness=True, limb_weakness_one_side=side), context(product, day), Thresholds()
    )
    assert result.level == expected


def test_limb_weakness_window_can_only_be_lengthened() -> None:
    rep = report(limb_numbness_or_weakness=True, limb_weakness_one_side=False)
    assert fired(rep, context(day=60), limb_weakness_urgent_to_day=90).get("R9_neuro_change") == U
    with pytest.raises(ValueError, match="limb_weakness_urgent_to_day"):
        Thresholds.from_dict({"limb_weakness_urgent_to_day": 29})


@pytest.mark.parametrize("product", ["yescarta", "abecma", "carvykti"])
@pytest.mark.parametrize("day", [2, 31, 60, 200])
def test_learning_the_side_orders_the_level_both_then_unknown_then_one(product: str, day: int) -> None:
    # Knowing "both sides" may lower it from unknown; "one side" always raises it.
    levels = [
        assess(
            report(limb_numbness_or_weakness=True, limb_weakness_one_side=side), context(product, day), Thresholds()
        ).level
        for side in (False, None, True)
    ]
    assert levels == sorted(levels) and levels[1] >= U and levels[2] == E
