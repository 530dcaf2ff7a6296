"""Redocly CLI lints the served description: no errors, and no warning but the
ones redocly.yaml and the README explain."""

from __future__ import annotations

import json
import subprocess

from tests.support.clock_process import REPO

# rule -> why it stays a warning (the README's "API description" section says the same).
EXPLAINED_WARNINGS = {
    "nullable-type-sibling": "nullable + allOf without `type`, the form both generators read as nullable",
    "no-invalid-media-type-examples": "Redocly's example checker refuses that same `nullable` without `type`",
    "info-license-strict": "the licence is proprietary, with no public URL",
}


def test_served_description_lints_clean(tools, served_spec):
    done = subprocess.run(
        [
            str(tools / "node_modules/.bin/redocly"),
            "lint",
            str(served_spec),
            "--format=json",
            "--config",
            str(REPO / "redocly.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stdout[done.stdout.index("{") :])
    problems = [(p["ruleId"], p["severity"], p["message"]) for p in report["problems"]]
    assert report["totals"]["errors"] == 0, problems
    assert {rule for rule, _, _ in problems} <= set(EXPLAINED_WARNINGS), problems
    assert done.returncode == 0, done.stderr
