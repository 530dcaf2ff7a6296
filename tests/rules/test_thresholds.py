"""Thresholds, their specs and protocol validation."""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import pytest

from app.rules import THRESHOLD_SPECS, Thresholds, validate_thresholds


def test_the_dataclass_and_the_specs_name_the_same_thresholds_with_the_same_defaults() -> None:
    defaults = {f.name: f.default for f in fields(Thresholds)}
    assert defaults == {name: spec.default for name, spec in THRESHOLD_SPECS.items()}


@pytest.mark.parametrize("name", sorted(THRESHOLD_SPECS))
def test_every_spec_has_a_source_a_tag_and_a_default_inside_its_range(name: str) -> None:
    spec = THRESHOLD_SPECS[name]
    assert re.fullmatch(r"[RXL]\d+[a-z]?(, [RXL]\d+[a-z]?)*: .+", spec.source), spec.source
    assert spec.tag in {"VERIFIED", "DESIGN", "UNVERIFIED"}
    assert spec.minimum <= spec.default <= spec.maximum
    assert spec.unit and spec.description


def test_defaults_validate_clean() -> None:
    assert validate_thresholds({}) == {}
    assert validate_thresholds(Thresholds().to_dict()) == {}


def test_from_dict_overrides_and_round_trips() -> None:
    t = Thresholds.from_dict({"fever_c": 37.8, "tachycardia_hr": 95.0})
    assert t.fever_c == 37.8 and t.tachycardia_hr == 95 and isinstance(t.tachycardia_hr, int)
    assert t.hypoxia_spo2 == THRESHOLD_SPECS["hypoxia_spo2"].default
    assert Thresholds.from_dict(t.to_dict()) == t
    assert Thresholds.from_dict(None) == Thresholds()


def test_from_dict_refuses_an_unknown_key_naming_it() -> None:
    with pytest.raises(ValueError, match="fever_threshold"):
        Thresholds.from_dict({"fever_threshold": 38.0})


@pytest.mark.parametrize(
    ("values", "key", "message"),
    [
        ({"fever_threshold": 38}, "fever_threshold", "unknown threshold"),
        ({"fever_c": "38"}, "fever_c", "not a number"),
        ({"fever_c": None}, "fever_c", "not a number"),
        ({"fever_c": True}, "fever_c", "not a number"),
        ({"fever_c": float("nan")}, "fever_c", "not a number"),
        # A value past the shipped figure on the unsafe side is refused as such;
        # the pairs below can no longer cross, because each side stops at its shipped figure.
        ({"fever_c": 42.0}, "fever_c", "less careful than the reference figure 38.0 °C"),
        ({"fever_c": 37.0}, "fever_c", "outside the plausible range"),
        ({"hypoxia_spo2": 70}, "hypoxia_spo2", "less careful than the reference figure 92 %"),
        ({"hypoxia_spo2": 97}, "hypoxia_spo2", "outside the plausible range"),
        ({"tachycardia_hr": 100.5}, "tachycardia_hr", "whole number"),
        ({"severe_hypoxia_spo2": 94, "hypoxia_spo2": 93}, "severe_hypoxia_spo2", "must not exceed"),
        ({"ice_emergency_at_or_below": 8, "ice_urgent_at_or_below": 7}, "ice_urgent_at_or_below", "less careful"),
        ({"low_grade_fever_c": 38.2}, "low_grade_fever_c", "less careful"),
        ({"low_grade_recheck_minutes": 200}, "low_grade_recheck_minutes", "less careful"),
        ({"late_report_relevance_hours": 2, "late_report_minutes": 120}, "late_report_relevance_hours", "less careful"),
    ],
)
def test_validate_thresholds_names_the_bad_key(values: dict[str, Any], key: str, message: str) -> None:
    problems = validate_thresholds(values)
    assert key in problems
    assert any(message in m for m in problems[key]), problems
    with pytest.raises(ValueError, match=key):
        Thresholds.from_dict(values)


def test_only_the_keys_a_protocol_sets_are_blamed_for_an_inconsistency() -> None:
    assert list(validate_thresholds({"low_grade_fever_c": 38.2})) == ["low_grade_fever_c"]


def test_equal_bands_are_allowed_so_a_site_can_page_at_37_5() -> None:
    assert validate_thresholds({"fever_c": 37.5, "low_grade_fever_c": 37.5}) == {}
