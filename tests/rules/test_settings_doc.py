"""docs/clinical-rules.md lists every protocol setting with its shipped value and safe direction,
and the R12 and R20 sections: a new threshold fails here until documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.rules import THRESHOLD_SPECS
from app.rules.safety import SAFE_DIRECTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "clinical-rules.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/clinical-rules.md has no section {title!r}"
    return match.group(1)


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in _section("Protocol settings and their safe direction").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and (m := re.fullmatch(r"`(\w+)`", cells[0])):
            rows[m.group(1)] = cells
    return rows


@pytest.mark.parametrize("name", sorted(THRESHOLD_SPECS))
def test_every_setting_has_a_row_with_its_shipped_value_direction_and_tag(name: str) -> None:
    spec = THRESHOLD_SPECS[name]
    cells = _rows().get(name)
    assert cells is not None, f"{name} is missing from the settings table"
    _, shipped, direction, limit, source, tag = cells
    assert re.search(rf"(?<![\d.]){re.escape(f'{spec.default:g}')}(\.0)?(?![\d])", shipped), (name, shipped)
    assert tag == spec.tag
    assert source
    way = SAFE_DIRECTIONS.get(name)
    if way is None:
        assert direction.startswith("none")
    elif spec.minimum == spec.maximum:
        assert direction == "fixed"
    else:
        assert f"may be {'lowered' if way.may == 'lower' else 'raised'}" in direction
        assert limit.startswith("refused " + ("above" if way.may == "lower" else "below"))


def test_the_r12_and_r20_sections_exist_and_name_their_rule() -> None:
    assert "R12_vitals_not_measured" in _section("R12 vitals not measured")
    r20 = _section("R20 baselines")
    for rule in ("R6a_low_blood_pressure", "R10a_ice_drop", "R9_neuro_change", "R14_enterocolitis"):
        assert rule in r20
