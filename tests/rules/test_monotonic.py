"""Property: making a report worse never lowers its level.

"Worse" = temperature higher (from ≥36.0 °C, below which R3 makes a colder reading worse),
heart rate higher, systolic BP lower, SpO2 lower, weight lower, ICE lower or "could not do the
test", any symptom higher, any neuro or danger-sign flag from unset/false to true, antipyretic
taken. The patient context (product, day, baseline, recent reports, lateness) is random too
and stays fixed across the change.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import Baseline, IceParts, Neuro, ReportInput, Signs, Thresholds, Vitals, assess
from app.rules.types import ICE_MAXIMA, SYMPTOM_KEYS

from .builders import T0, TARGETS, context

NEURO_FLAGS = [f.name for f in fields(Neuro) if f.name not in ("ice", "ice_unable")]
SIGN_FLAGS = [f.name for f in fields(Signs)]
THRESHOLDS = Thresholds()


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Pick a strategy with the given odds (st.one_of does not promise any odds)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Half the time absent: sparse reports let one changed value decide the level.
    return weighted((1, st.none()), (1, strategy))


def one_decimal(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi).map(lambda x: round(x, 1)).filter(lambda x: lo <= x <= hi)


def reading(lo: float, hi: float, normal: tuple[float, float], *edges: float) -> st.SearchStrategy[float]:
    """A reading to one decimal: mostly normal, sometimes anywhere, sometimes at a boundary.

    Mostly-normal reports matter: a wrongly lowered level only shows when nothing else in
    the report is already urgent.
    """
    near = sorted({round(e + d, 1) for e in edges for d in (-0.1, 0.0, 0.1) if lo <= e + d <= hi})
    choices = [(5, one_decimal(*normal)), (2, one_decimal(lo, hi))]
    return weighted(*choices, (2, st.sampled_from(near))) if near else weighted(*choices)


def mostly(common: Any, *rare: Any, odds: int = 8) -> st.SearchStrategy[Any]:
    return weighted((odds, st.just(common)), (1, st.sampled_from(rare)))


ice_parts = weighted(
    (6, st.just(dict(ICE_MAXIMA))),  # a perfect 10 is the usual answer
    (1, st.fixed_dictionaries({k: st.integers(max(0, m - 1), m) for k, m in ICE_MAXIMA.items()})),
    (1, st.fixed_dictionaries({k: st.integers(0, m) for k, m in ICE_MAXIMA.items()})),
)
# Each flag is usually answered "no"; a report has at most a couple of them set at all.
flag = mostly(False, None, True, odds=4)

raw_report = st.fixed_dictionaries(
    {
        "temp": optional(reading(36.0, 41.5, (36.0, 37.4), 36.0, 37.5, 38.0)),
        "hr": optional(reading(40, 200, (55, 99), 100, 130)),
        "sbp": optional(reading(60, 200, (100, 150), 80, 90, 100)),
        "spo2": optional(reading(80, 100, (94, 100), 90, 92)),
        "weight": optional(reading(35, 150, (60, 90), 70, 71.2)),
        "ice": optional(ice_parts),
        "ice_unable": mostly(None, False, True),
        "symptoms": st.dictionaries(st.sampled_from(SYMPTOM_KEYS), mostly(0, 1, 2, 3, 4, odds=3), max_size=3),
        "neuro": st.dictionaries(st.sampled_from(NEURO_FLAGS), flag, max_size=2),
        "signs": st.dictionaries(st.sampled_from(SIGN_FLAGS), flag, max_size=2),
        "antipyretic": st.booleans(),
    }
)


def build(raw: dict[str, Any], minutes_before: int = 0) -> ReportInput:
    return ReportInput(
        recorded_at=T0 - timedelta(minutes=minutes_before),
        vitals=Vitals(
            temperature_c=raw["temp"],
            heart_rate=raw["hr"],
            systolic_bp=raw["sbp"],
            spo2=raw["spo2"],
            weight_kg=raw["weight"],
        ),
        symptoms=raw["symptoms"],
        neuro=Neuro(
            ice=IceParts(**raw["ice"]) if raw["ice"] else None,
            ice_unable=raw["ice_unable"],
            **raw["neuro"],
        ),
        signs=Signs(**raw["signs"]),
        antipyretic_in_last_6h=raw["antipyretic"],
    )


# Earlier reports only matter through what the rules look back at (temperature, heart rate,
# blood pressure, dizziness, diarrhoea) and when. A fixed pool around every look-back edge
# (recheck 60/120 min, tachycardia 60 min, dizziness 24 h, diarrhoea 7 days, "after now")
# keeps generation cheap; Hypothesis still combines them freely.
RECENT_MINUTES = (-30, 0, 10, 45, 60, 61, 119, 121, 23 * 60, 25 * 60, 2 * 1440, 3 * 1440, 6 * 1440, 8 * 1440)
RECENT_VALUES = (
    (None, None, None, {}),
    (37.6, 104.0, 88.0, {"dizziness": 2, "diarrhea": 3}),
    (37.2, 96.0, 95.0, {"dizziness": 4, "diarrhea": 4}),
    (38.4, 132.0, 120.0, {"dizziness": 1, "diarrhea": 1}),
    (36.8, 72.0, 78.0, {"dizziness": 0, "diarrhea": 3}),
)
RECENT_POOL = [
    ReportInput(
        recorded_at=T0 - timedelta(minutes=minutes),
        vitals=Vitals(temperature_c=temp, heart_rate=hr, systolic_bp=sbp),
        symptoms=symptoms,
    )
    for minutes in RECENT_MINUTES
    for temp, hr, sbp, symptoms in RECENT_VALUES
]
recent_reports = st.lists(st.sampled_from(RECENT_POOL), max_size=4)
baselines = st.builds(
    Baseline,
    systolic_bp=st.sampled_from([None, 100.0, 112.5, 125.0, 160.0]),
    ice_score=st.sampled_from([None, 7, 9, 10]),
    weight_kg=st.sampled_from([None, 50.0, 75.0, 120.0]),
)
contexts = st.builds(
    lambda product, day, baseline, recent, late: context(
        product,
        day,
        baseline=baseline,
        recent=recent,
        received_at=None if late is None else T0 + timedelta(minutes=late),
    ),
    st.sampled_from(sorted(TARGETS)),
    st.integers(-5, 400),
    baselines,
    recent_reports,
    # Usually on time: a stale report turns emergencies into urgent and would hide some changes.
    st.sampled_from([None] * 6 + [0, 60, 61, 600, 24 * 60, 24 * 60 + 1, 3 * 24 * 60]),
)


# name: (lowest, highest, +1 when higher is worse / -1 when lower is worse, rule boundaries)
VITALS = {
    "temp": (36.0, 42.0, +1, (36.0, 37.5, 38.0)),
    "hr": (30.0, 250.0, +1, (100.0, 130.0)),
    "sbp": (50.0, 220.0, -1, (80.0, 90.0, 100.0)),
    "spo2": (70.0, 100.0, -1, (90.0, 92.0)),
    "weight": (30.0, 160.0, -1, (71.2, 71.3)),
}
KINDS = [*VITALS, "ice", "ice_unable", "symptom", "neuro", "sign", "antipyretic"]


def _copy(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}


def _worse_reading(draw: st.DrawFn, name: str, old: float) -> float:
    """Any value on the worse side of `old` (not just a small step), boundaries included."""
    lo, hi, direction, edges = VITALS[name]
    lo, hi = (old, hi) if direction > 0 else (lo, old)
    near = [e for e in edges if lo <= e <= hi]
    anywhere = st.floats(lo, hi).map(lambda x: round(x, 1)).filter(lambda x: lo <= x <= hi)
    return draw(st.one_of(st.sampled_from(near), anywhere) if near else anywhere)


@st.composite
def filled(draw: st.DrawFn, raw: dict[str, Any], kinds: list[str]) -> dict[str, Any]:
    """`raw` with a value for each vital or ICE that is about to be made worse."""
    out = _copy(raw)
    for kind in kinds:
        if kind in VITALS and out[kind] is None:
            lo, hi, _, edges = VITALS[kind]
            out[kind] = draw(reading(lo, hi, (lo, hi), *edges))
        elif kind == "ice" and not out["ice"]:
            out["ice"] = dict(ICE_MAXIMA)
    return out


@st.composite
def worsened(draw: st.DrawFn, raw: dict[str, Any], kind: str) -> dict[str, Any]:
    """`raw` with `kind` made clinically worse (never better; equal where nothing is worse)."""
    worse = _copy(raw)
    if kind in VITALS:
        worse[kind] = _worse_reading(draw, kind, raw[kind])
    elif kind == "ice":
        part = draw(st.sampled_from(sorted(ICE_MAXIMA)))
        worse["ice"][part] = draw(st.integers(0, raw["ice"][part]))
    elif kind == "ice_unable":
        worse["ice_unable"] = True
    elif kind == "symptom":
        key = draw(st.sampled_from(SYMPTOM_KEYS))
        worse["symptoms"][key] = draw(st.integers(raw["symptoms"].get(key, 0), 4))
    elif kind == "neuro":
        worse["neuro"][draw(st.sampled_from(NEURO_FLAGS))] = True
    elif kind == "sign":
        worse["signs"][draw(st.sampled_from(SIGN_FLAGS))] = True
    elif kind == "antipyretic":
        worse["antipyretic"] = True
    return worse


def _assert_not_lower(base: dict[str, Any], worse: dict[str, Any], ctx: Any) -> None:
    before = assess(build(base), ctx, THRESHOLDS)
    after = assess(build(worse), ctx, THRESHOLDS)
    assert after.level >= before.level, (before.to_dict(), after.to_dict())


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=120, deadline=None)
@given(raw=raw_report, ctx=contexts, data=st.data())
def test_making_one_thing_worse_never_lowers_the_level(
    kind: str, raw: dict[str, Any], ctx: Any, data: st.DataObject
) -> None:
    base = data.draw(filled(raw, [kind]), label="base")
    _assert_not_lower(base, data.draw(worsened(base, kind), label="worse"), ctx)


@settings(max_examples=300, deadline=None)
@given(raw=raw_report, ctx=contexts, data=st.data())
def test_making_several_things_worse_never_lowers_the_level(raw: dict[str, Any], ctx: Any, data: st.DataObject) -> None:
    kinds = data.draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=4), label="kinds")
    base = worse = data.draw(filled(raw, kinds), label="base")
    for kind in kinds:
        worse = data.draw(worsened(worse, kind), label=f"worse {kind}")
    _assert_not_lower(base, worse, ctx)


def report_at(minutes_before: int, *, temp: float, hr: float, sbp: float, symptoms: dict[str, int]) -> ReportInput:
    return ReportInput(
        recorded_at=T0 - timedelta(minutes=minutes_before),
        vitals=Vitals(temperature_c=temp, heart_rate=hr, systolic_bp=sbp),
        symptoms=symptoms,
    )


# --- exhaustive one-variable sweeps --------------------------------------------------------
# Cheap and complete along each axis, so a threshold that inverts a band is caught on every
# run, whatever Hypothesis happens to draw.

SWEEP_BACKGROUNDS: list[dict[str, Any]] = [
    {},
    {"temp": 37.6},
    {"temp": 38.2},
    {"hr": 110.0},
    {"sbp": 95.0},
    {"spo2": 91.0},
    {"symptoms": {"diarrhea": 3, "dizziness": 2}},
    {"ice": {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 0}},
    {"signs": {"heavy_bleeding": True}},
    {"neuro": {"slowness_or_shuffling": True}},
    {"antipyretic": True},
]
SWEEP_RECENT = [
    report_at(minutes, temp=temp, hr=hr, sbp=sbp, symptoms=symptoms)
    for minutes, temp, hr, sbp, symptoms in (
        (30, 37.7, 104.0, 88.0, {"dizziness": 2}),
        (24 * 60, 37.0, 80.0, 120.0, {"diarrhea": 3}),
        (48 * 60, 37.0, 80.0, 120.0, {"diarrhea": 3}),
    )
]
SWEEP_CONTEXTS = [
    context("yescarta", 5),
    context("carvykti", 60, baseline=Baseline(systolic_bp=125, ice_score=10, weight_kg=75), recent=SWEEP_RECENT),
    context("abecma", 45, recent=SWEEP_RECENT),
]


def _axis(name: str) -> list[float]:
    """Values from best to worst along one vital."""
    lo, hi, direction, _ = VITALS[name]
    step = 0.1 if name == "temp" else 0.5  # every boundary is a whole number or on this grid
    values = [round(lo + i * step, 1) for i in range(int(round((hi - lo) / step)) + 1)]
    return values if direction > 0 else values[::-1]


@pytest.mark.parametrize("name", sorted(VITALS))
def test_sweeping_a_vital_from_best_to_worst_never_lowers_the_level(name: str) -> None:
    for ctx in SWEEP_CONTEXTS:
        for background in SWEEP_BACKGROUNDS:
            base = _blank() | background
            levels = [assess(build(base | {name: v}), ctx, THRESHOLDS).level for v in _axis(name)]
            drops = [(v, a, b) for v, a, b in zip(_axis(name)[1:], levels, levels[1:], strict=False) if b < a]
            assert not drops, (name, ctx.product, background, drops[:3])


@pytest.mark.parametrize("key", SYMPTOM_KEYS)
def test_sweeping_a_symptom_from_0_to_4_never_lowers_the_level(key: str) -> None:
    for ctx in SWEEP_CONTEXTS:
        for background in SWEEP_BACKGROUNDS:
            base = _blank() | background
            levels = [
                assess(build(base | {"symptoms": {**base["symptoms"], key: n}}), ctx, THRESHOLDS).level
                for n in range(5)
            ]
            assert levels == sorted(levels), (key, ctx.product, background, levels)


@pytest.mark.parametrize(("block", "flag"), [("neuro", f) for f in NEURO_FLAGS] + [("signs", f) for f in SIGN_FLAGS])
def test_setting_a_flag_never_lowers_the_level(block: str, flag: str) -> None:
    for ctx in SWEEP_CONTEXTS:
        for background in SWEEP_BACKGROUNDS:
            base = _blank() | background
            levels = [
                assess(build(base | {block: {**base[block], flag: value}}), ctx, THRESHOLDS).level
                for value in (None, False, True)
            ]
            assert levels == sorted(levels), (flag, ctx.product, background, levels)


def test_sweeping_the_ice_score_from_10_to_0_never_lowers_the_level() -> None:
    for ctx in SWEEP_CONTEXTS:
        for background in SWEEP_BACKGROUNDS:
            base = _blank() | background
            levels = [assess(build(base | {"ice": _ice(n)}), ctx, THRESHOLDS).level for n in range(10, -1, -1)]
            levels.append(assess(build(base | {"ice_unable": True}), ctx, THRESHOLDS).level)
            assert levels == sorted(levels), (ctx.product, background, levels)


def _blank() -> dict[str, Any]:
    return {
        "temp": None,
        "hr": None,
        "sbp": None,
        "spo2": None,
        "weight": None,
        "ice": None,
        "ice_unable": None,
        "symptoms": {},
        "neuro": {},
        "signs": {},
        "antipyretic": False,
    }


def _ice(score: int) -> dict[str, int]:
    parts, left = {}, score
    for name, maximum in ICE_MAXIMA.items():
        parts[name] = min(left, maximum)
        left -= parts[name]
    return parts
