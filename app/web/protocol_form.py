"""The "new version" form of a protocol: from the current version's content to a proposed one.

Restrictions, check-in timings and every threshold are plain number fields; the phases (a list
of structured rows) are edited as JSON. Problems come back keyed by form field, the validator's
own words kept, so the clinician sees exactly what app.protocols.content refused.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from werkzeug.datastructures import MultiDict

from app.protocols.content import RESTRICTION_KEYS, validate_content
from app.rules import THRESHOLD_SPECS

CHECK_IN_KEYS = ("window_minutes", "reminder_after_minutes", "second_reminder_after_minutes")
MAX_DRY_RUN_DAYS = 366
Problems = dict[str, list[str]]


def content_digest(content: Mapping) -> str:
    """Names the exact content a dry-run looked at; saving requires the same digest."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def effective_thresholds(content: Mapping) -> dict[str, float]:
    overrides = content.get("thresholds") or {}
    return {key: overrides.get(key, spec.default) for key, spec in THRESHOLD_SPECS.items()}


def form_values(content: Mapping, name: str, today: date) -> MultiDict:
    """The form prefilled with a version's content."""
    values = MultiDict(
        {
            "name": name,
            "phases": json.dumps(content.get("phases", []), indent=2),
            "since": (today - timedelta(days=30)).isoformat(),
            "until": today.isoformat(),
        }
    )
    for key in RESTRICTION_KEYS:
        values[f"restrictions-{key}"] = str(content["restrictions"][key])
    for key in CHECK_IN_KEYS:
        values[f"check_in-{key}"] = str(content["check_in"][key])
    for key, value in effective_thresholds(content).items():
        values[f"threshold-{key}"] = str(value)
    return values


def _number(form: MultiDict, field: str, problems: Problems, *, integer: bool) -> float | int | None:
    text = (form.get(field) or "").strip()
    if not text:
        problems.setdefault(field, []).append("Required.")
        return None
    try:
        value = float(text)
    except ValueError:
        problems.setdefault(field, []).append("Not a number.")
        return None
    if integer:
        if value != int(value):
            problems.setdefault(field, []).append("Must be a whole number.")
            return None
        return int(value)
    return value


def _phases(form: MultiDict, problems: Problems) -> list | None:
    try:
        phases = json.loads(form.get("phases") or "")
    except ValueError as exc:
        problems.setdefault("phases", []).append(f"Not valid JSON: {exc}.")
        return None
    if not isinstance(phases, list):
        problems.setdefault("phases", []).append("Must be a JSON list of phases.")
        return None
    return phases


def field_of(path: str) -> str:
    """Which form field a content problem ("thresholds.fever_c", "phases.2.times") belongs to."""
    head, _, rest = path.removeprefix("content.").partition(".")
    key = rest.split(".")[0]
    if head == "restrictions" and key:
        return f"restrictions-{key}"
    if head == "check_in" and key:
        return f"check_in-{key}"
    if head == "thresholds" and key:
        return f"threshold-{key}"
    return "phases" if head == "phases" else "_form"


def proposed_content(base: Mapping, form: MultiDict, jurisdiction: str | None = None) -> tuple[dict, Problems]:
    """The content the form describes (everything else kept from `base`), and every problem."""
    content = copy.deepcopy(dict(base))
    problems: Problems = {}
    for key in RESTRICTION_KEYS:
        content["restrictions"][key] = _number(form, f"restrictions-{key}", problems, integer=True)
    for key in CHECK_IN_KEYS:
        content["check_in"][key] = _number(form, f"check_in-{key}", problems, integer=True)
    thresholds = {}
    for key, spec in THRESHOLD_SPECS.items():
        value = _number(form, f"threshold-{key}", problems, integer=spec.integer)
        if value is not None and value != spec.default:  # only departures from the defaults are stored
            thresholds[key] = value
    content["thresholds"] = thresholds
    phases = _phases(form, problems)
    if phases is not None:
        content["phases"] = phases
    if not problems:
        for path, messages in validate_content(content, jurisdiction).items():
            problems.setdefault(field_of(path), []).extend(
                f"{path}: {m}" if field_of(path) == "phases" else m for m in messages
            )
    return content, problems


def dry_run_period(form: MultiDict, problems: Problems) -> tuple[datetime, datetime] | None:
    try:
        since = date.fromisoformat(form.get("since") or "")
        until = date.fromisoformat(form.get("until") or "")
    except ValueError:
        problems.setdefault("period", []).append("Give the period as two dates.")
        return None
    if until < since or (until - since).days > MAX_DRY_RUN_DAYS:
        problems.setdefault("period", []).append(
            f"The end must be after the start, at most {MAX_DRY_RUN_DAYS} days later."
        )
        return None
    # Whole days, the end date included.
    return (
        datetime.combine(since, datetime.min.time(), UTC),
        datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC),
    )
