"""The rules package stays pure: no Flask, no database, no clock (ARCHITECTURE principle 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "rules"

FORBIDDEN_MODULES = ("flask", "sqlalchemy", "time")
CLOCK_NAMES = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns"}


def _forbidden_module(name: str) -> bool:
    root = name.split(".")[0]
    return root in FORBIDDEN_MODULES or root.startswith("flask_")


def violations(source: str) -> list[str]:
    """Every forbidden import, and every use of a clock-reading attribute or imported name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _forbidden_module(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and _forbidden_module(node.module):
            found.append(f"from {node.module} import …")
        elif isinstance(node, ast.ImportFrom):
            found += [f"from {node.module} import {a.name}" for a in node.names if a.name in CLOCK_NAMES]
        elif isinstance(node, ast.Attribute) and node.attr in CLOCK_NAMES:
            found.append(f".{node.attr} (line {node.lineno})")
    return found


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_package_has_sources() -> None:
    assert len(_sources()) >= 8


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.name)
def test_rules_module_is_pure(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import flask",
        "from flask import current_app",
        "import flask_babel",
        "from sqlalchemy.orm import Session",
        "import time",
        "from time import time",
        "from datetime import datetime\nx = datetime.now()",
        "from datetime import datetime\nx = datetime.utcnow()",
        "import datetime\nx = datetime.date.today()",
        "f = dt.now",
        "from datetime import date\nx = date.today()",
    ],
)
def test_the_scanner_catches_impurity(snippet: str) -> None:
    assert violations(snippet)


def test_the_scanner_lets_plain_datetime_arithmetic_through() -> None:
    assert violations("from datetime import datetime, timedelta\nx = a - timedelta(minutes=5)") == []
