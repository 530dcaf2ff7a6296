"""docs/clinical-rules.md explains every rule and setting: this fails when a
threshold in THRESHOLD_SPECS, or a rule id the code can emit, is missing from it, or when a
setting's source does not name a rule id documented there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.rules import THRESHOLD_SPECS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "clinical-rules.md"
# Where findings are made: the engine's Finding("id", ...) / Finding(rule="id") and the services'
# {"rule": "id"} alerts (missed check-ins, STOP, grading failures).
EMITTED = re.compile(r'Finding\(\s*(?:rule=)?"([A-Za-z0-9_]+)"|"rule":\s*"([A-Za-z0-9_]+)"')


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def emitted_rule_ids() -> set[str]:
    ids: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        for match in EMITTED.finditer(path.read_text(encoding="utf-8")):
            ids.add(match.group(1) or match.group(2))
    return ids


def test_the_scan_finds_the_rules_it_must() -> None:
    # Guards the scan itself: if the pattern stopped matching, the test below would pass on nothing.
    assert {
        "R1_fever",
        "R9_neuro_change",
        "R11_severe_neuro",
        "R14_enterocolitis",
        "R12_missed_check_in",
        "grading_failed",
        "sms_opt_out",
        "fever_may_be_masked",
    } <= emitted_rule_ids()


@pytest.mark.parametrize("rule", sorted(emitted_rule_ids()))
def test_every_rule_id_the_code_can_emit_is_documented(rule: str) -> None:
    assert f"`{rule}`" in _doc(), f"{rule} is emitted but docs/clinical-rules.md does not describe it"


@pytest.mark.parametrize("name", sorted(THRESHOLD_SPECS))
def test_every_setting_is_documented_with_its_default_range_and_tag(name: str) -> None:
    spec = THRESHOLD_SPECS[name]
    rows = [line for line in _doc().splitlines() if line.startswith(f"| `{name}` |")]
    assert rows, f"{name} has no row in the settings table of docs/clinical-rules.md"
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[1] == f"{spec.default}", (name, cells)
    assert cells[2] == f"{spec.minimum}–{spec.maximum}", (name, cells)
    assert cells[5] == spec.tag, (name, cells)


@pytest.mark.parametrize("name", sorted(THRESHOLD_SPECS))
def test_every_setting_source_names_a_documented_rule_and_a_primary_source(name: str) -> None:
    source = THRESHOLD_SPECS[name].source
    match = re.fullmatch(r"((?:[RXL]\d+[a-z]?)(?:, [RXL]\d+[a-z]?)*): (.+)", source)
    assert match, f"{name}: source {source!r} should read 'R1: primary source'"
    headings = _doc()
    for rule in match.group(1).split(", "):
        assert re.search(rf"\b{rule}\b", headings), f"{name} cites {rule}, not in docs/clinical-rules.md"
    assert "REFERENCE" not in source and "shared" not in source


def test_nothing_in_the_repository_points_outside_it_for_clinical_facts() -> None:
    offenders = []
    paths = [
        *(ROOT / "app").rglob("*"),
        *(ROOT / "tests").rglob("*.py"),
        ROOT / "README.md",
        *(ROOT / "docs").rglob("*.md"),
    ]
    for path in paths:
        if path.suffix not in {".py", ".md", ".html", ".js"} or path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"REFERENCE §|REFERENCE conventions|\.\./shared|shared/clinical", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_readme_links_the_rules_and_says_what_a_protocol_may_and_may_not_change() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/clinical-rules.md)" in readme
    paragraph = readme[readme.index("What a protocol **may** change") :]
    paragraph = paragraph[: paragraph.index("\n\n")]
    assert "What it **may not** change" in paragraph
    for words in ("towards more care", "missed-check-in level", "422", "dry-run"):
        assert words in paragraph, words
