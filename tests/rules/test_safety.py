"""Settings only make Vigil more careful: directions and the property."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import THRESHOLD_SPECS, Thresholds, assess, validate_thresholds
from app.rules.safety import NEUTRAL, SAFE_DIRECTIONS

from .test_monotonic import build, contexts, raw_report

DEFAULTS = Thresholds()


def test_every_threshold_has_a_safe_direction_or_a_reason_it_has_none() -> None:
    assert set(SAFE_DIRECTIONS) | set(NEUTRAL) == set(THRESHOLD_SPECS)
    assert not set(SAFE_DIRECTIONS) & set(NEUTRAL)
    assert all(reason.strip() for reason in NEUTRAL.values())


@pytest.mark.parametrize("name", sorted(k for k, s in THRESHOLD_SPECS.items() if s.tag == "VERIFIED"))
def test_every_verified_threshold_has_a_safe_direction(name: str) -> None:
    assert name in SAFE_DIRECTIONS


@pytest.mark.parametrize("name", sorted(SAFE_DIRECTIONS))
def test_the_range_stops_at_the_shipped_figure_on_the_unsafe_side(name: str) -> None:
    spec = THRESHOLD_SPECS[name]
    unsafe_bound = spec.maximum if SAFE_DIRECTIONS[name].may == "lower" else spec.minimum
    assert unsafe_bound == spec.default


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("fever_c", 37.5, True),
        ("fever_c", 38.0, True),
        ("fever_c", 38.1, False),
        ("fever_c", 39.5, False),
        ("hypoxia_spo2", 93, True),
        ("hypoxia_spo2", 91, False),
        ("hypoxia_spo2", 85, False),
        ("hypotension_sbp", 95, True),
        ("hypotension_sbp", 89, False),
        ("severe_hypotension_sbp", 60, False),
        ("tachycardia_severe_hr", 120, True),
        ("tachycardia_severe_hr", 131, False),
        ("tachycardia_severe_hr", 200, False),
        ("ice_urgent_at_or_below", 9, True),
        ("ice_urgent_at_or_below", 8, False),
        ("ice_emergency_at_or_below", 7, True),
        ("ice_emergency_at_or_below", 5, False),
        ("ice_emergency_at_or_below", 2, False),
    ],
)
def test_validation_table(name: str, value: float, ok: bool) -> None:
    problems = validate_thresholds({name: value})
    assert (problems == {}) is ok, problems
    if not ok:
        assert name in problems and "less careful than the reference figure" in problems[name][0]


def test_a_stored_unsafe_version_is_graded_at_the_safe_values() -> None:
    legacy = {"fever_c": 39.5, "hypoxia_spo2": 85, "tachycardia_hr": 80, "ice_urgent_at_or_below": 7}
    with pytest.raises(ValueError):
        Thresholds.from_dict(legacy)
    graded = Thresholds.for_grading(legacy)
    assert (graded.fever_c, graded.hypoxia_spo2, graded.ice_urgent_at_or_below) == (38.0, 92, 9)
    assert graded.tachycardia_hr == 90  # careful but below today's range: moved to the range's edge
    assert Thresholds.for_grading({"fever_c": "hot", "nonsense": 1}) == DEFAULTS


def _value(name: str) -> st.SearchStrategy[Any]:
    """Anywhere in the range, often at its ends (where a wrong range or direction shows first)."""
    spec = THRESHOLD_SPECS[name]
    if spec.integer:
        anywhere = st.integers(int(spec.minimum), int(spec.maximum))
    else:
        decimals = 2 if spec.unit == "fraction" else 1
        anywhere = (
            st.floats(spec.minimum, spec.maximum)
            .map(lambda x: round(x, decimals))
            .filter(lambda x: spec.minimum <= x <= spec.maximum)
        )
    return st.one_of(st.sampled_from([spec.minimum, spec.maximum]).map(type(spec.default)), anywhere)


# Any valid protocol setting: a handful of thresholds at once, anywhere in their ranges.
protocol_thresholds = (
    st.dictionaries(st.sampled_from(sorted(THRESHOLD_SPECS)), st.none(), max_size=4)
    .flatmap(lambda keys: st.fixed_dictionaries({k: _value(k) for k in keys}))
    .filter(lambda v: not validate_thresholds(v))
)


@settings(max_examples=1000, deadline=None)
@given(overrides=protocol_thresholds, raw=raw_report, ctx=contexts)
def test_no_valid_protocol_grades_a_report_lower_than_the_shipped_defaults(overrides, raw, ctx) -> None:
    report = build(raw)
    shipped = assess(report, ctx, DEFAULTS)
    proposed = assess(report, ctx, Thresholds.from_dict(overrides))
    assert proposed.level >= shipped.level, (overrides, shipped.to_dict(), proposed.to_dict())
    # Rule by rule for the VERIFIED rules (fever, ICE bands): what the defaults raise, the protocol
    # raises too, at least as high (R16 stands in for R1 past fever_infection_after_day).
    verified = {
        "R1_fever": "fever",
        "R16_fever_infection_risk": "fever",
        "R10a_ice_drop": "ice",
        "R10b_ice_severe": "ice",
    }
    best: dict[str, Any] = {}
    for f in proposed.findings:
        if f.rule in verified:
            best[verified[f.rule]] = max(best.get(verified[f.rule], f.level), f.level)
    for f in shipped.findings:
        if f.rule in verified:
            assert verified[f.rule] in best and best[verified[f.rule]] >= f.level, (overrides, f.rule)
