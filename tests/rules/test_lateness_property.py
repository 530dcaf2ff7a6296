"""Property (L1): lateness never takes a finding that is urgent or emergency when
fresh below urgent, whatever the report, the patient, the delay or the protocol's late windows."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import THRESHOLD_SPECS, Level, Thresholds, assess

from .builders import T0, context, report
from .test_monotonic import build, contexts, raw_report

# Around both late windows (60 min, 24 h by default) and far beyond them, and anywhere between.
delays = st.one_of(
    st.sampled_from([0, 59, 60, 61, 24 * 60 - 1, 24 * 60, 24 * 60 + 1, 3 * 24 * 60, 30 * 24 * 60]),
    st.integers(0, 60 * 24 * 60),
)
R12 = "R12_vitals_not_measured"
# The shortest relevance window a protocol may set (it may only be lengthened).
SHORTEST_RELEVANCE = int(THRESHOLD_SPECS["late_report_relevance_hours"].minimum)
late_windows = st.fixed_dictionaries(
    {"late_report_minutes": st.integers(15, 720), "late_report_relevance_hours": st.integers(SHORTEST_RELEVANCE, 168)}
)


@settings(max_examples=600, deadline=None)
@given(raw=raw_report, ctx=contexts, delay=delays, windows=late_windows)
def test_lateness_never_takes_an_urgent_finding_below_urgent(
    raw: dict[str, Any], ctx: Any, delay: int, windows: dict[str, int]
) -> None:
    thresholds = Thresholds.from_dict(windows)
    rep = build(raw)
    fresh = assess(rep, replace(ctx, received_at=None), thresholds)
    late = assess(rep, replace(ctx, received_at=T0 + timedelta(minutes=delay)), thresholds)
    late_levels = {f.rule: f.level for f in late.findings}
    # Lateness adds and drops nothing but R12 (same-day), whose vitals gap runs to the server's
    # receipt time: hours without a temperature are counted until the report reached us, and a
    # temperature given meanwhile ends the gap.
    assert set(late_levels) - {R12} == {f.rule for f in fresh.findings} - {R12}
    for finding in fresh.findings:
        if finding.rule == R12:
            continue  # exempt above: a temperature recorded before the late report arrived ends the gap
        floor = min(finding.level, Level.URGENT)  # at least urgent when it was; unchanged below
        assert late_levels[finding.rule] >= floor, (finding, late.to_dict())
    fresh_level = max((f.level for f in fresh.findings if f.rule != R12), default=Level.ROUTINE)
    assert late.level >= min(fresh_level, Level.URGENT)
    if late.late is not None:
        assert late.late.level_when_recorded >= fresh_level


def test_a_stale_report_still_pages_even_with_the_shortest_relevance_window() -> None:
    thresholds = Thresholds.from_dict({"late_report_minutes": 15, "late_report_relevance_hours": SHORTEST_RELEVANCE})
    for flags in ({"seizure": True}, {"blue_lips": True}, {"confusion": True}):
        result = assess(report(**flags), context(received_at=T0 + timedelta(days=20)), thresholds)
        assert result.level == Level.URGENT, flags
