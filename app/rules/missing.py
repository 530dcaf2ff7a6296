"""R12 — missing data is a finding (docs/clinical-rules.md, "R12 vitals not measured").

Graded at report time: the engine sees when the last temperature was taken, so a patient who
keeps answering check-ins (or answers "can't measure") without a temperature for more than
`vitals_gap_hours` in the acute window gets a same-day finding that opens an alert for the
nurse. Silence itself (no answer at all) is the missed check-in path (app/services/checkins.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.rules import text
from app.rules.thresholds import Thresholds
from app.rules.types import Finding, Level, PatientContext, ReportInput

# R12 acute window (docs/clinical-rules.md): days 0–14 in the US, 0–28 in the EU and UK (site choice).
ACUTE_LAST_DAY = {"US": 14}
ACUTE_LAST_DAY_OTHERWISE = 28


def in_acute_window(ctx: PatientContext) -> bool:
    return 0 <= ctx.day_after_infusion <= ACUTE_LAST_DAY.get(ctx.jurisdiction, ACUTE_LAST_DAY_OTHERWISE)


def gap_end(report: ReportInput, ctx: PatientContext) -> datetime:
    """Where R12's gap ends: the later of the report's own time and the server's receipt time."""
    if ctx.received_at is not None and ctx.received_at > report.recorded_at:
        return ctx.received_at
    return report.recorded_at


def r12_vitals_not_measured(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    if report.vitals.temperature_c is not None or not in_acute_window(ctx):
        return None
    # The gap runs to the server's receipt time when the report reached us later than its own
    # clock says (L1): a report queued offline, or a phone clock behind, must not hide hours
    # without a temperature. The last temperature is the latest one recorded before that time.
    now = gap_end(report, ctx)
    earlier = [r.recorded_at for r in ctx.recent if r.vitals.temperature_c is not None and r.recorded_at < now]
    if ctx.last_temperature_at is not None and ctx.last_temperature_at < now:
        earlier.append(ctx.last_temperature_at)
    last = max(earlier, default=None)
    since = last if last is not None else ctx.monitoring_since
    if since is None:
        return None
    gap = now - since
    if gap <= timedelta(hours=t.vitals_gap_hours):
        return None
    ago = text.duration(gap.total_seconds() / 60)
    what = (
        'Temperature answered "can\'t measure"'
        if "temperature" in report.not_measured
        else "No temperature in this report"
    )
    when = f"last one {ago} ago" if last is not None else f"none since monitoring began {ago} ago"
    summary = f"{what}; {when} (vitals not measured for more than {t.vitals_gap_hours} h)"
    return Finding("R12_vitals_not_measured", Level.SAME_DAY, summary, {"vitals_gap_hours": t.vitals_gap_hours})


RULES = (r12_vitals_not_measured,)
