"""The patient page's chart data: vitals over the monitoring window, alerts, check-ins.

The x axis is the day after infusion in the patient's own calendar (docs/clinical-rules.md D1):
x = local day number + fraction of the local day, so floor(x) is the day the patient lives and
the D3 tick sits at local midnight even across a DST change. Chart.js draws it (static/vendor);
this module only decides the numbers, and every point keeps its report id so a test or a curious
clinician can trace it to the stored report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.models import Alert, CheckIn, CheckInState, Patient, Report
from app.services.grading import thresholds_of
from app.services.restrictions import local_infusion_date

# (key, report column, title, unit); the page draws one chart per series, in this order.
SERIES = (
    ("temperature", "temperature_c", "Temperature", "°C"),
    ("heart_rate", "heart_rate", "Heart rate", "/min"),
    ("systolic_bp", "systolic_bp", "Systolic pressure", "mmHg"),
    ("spo2", "spo2", "SpO2", "%"),
    ("ice", "ice_score", "ICE score", "0–10"),
)
CHECK_IN_ROWS = (CheckInState.COMPLETED, CheckInState.MISSED, CheckInState.EXCUSED, CheckInState.PENDING)


def day_position(at: datetime, patient: Patient) -> float:
    zone = ZoneInfo(patient.timezone)
    local = at.astimezone(zone)
    day = (local.date() - local_infusion_date(patient.infused_at, patient.timezone)).days
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return round(day + seconds / 86400, 4)


def _label(at: datetime, patient: Patient) -> str:
    local = at.astimezone(ZoneInfo(patient.timezone))
    return f"{local.strftime('%a %d %b %H:%M')} {local.tzname()}"


def _points(patient: Patient, reports: list[Report], column: str) -> list[dict]:
    return [
        {
            "x": day_position(r.recorded_at, patient),
            "y": getattr(r, column),
            "id": r.id,
            "level": r.level,
            "label": _label(r.recorded_at, patient),
        }
        for r in reports
        if getattr(r, column) is not None
    ]


def _x_range(patient: Patient, now: datetime, xs: list[float]) -> dict:
    # Monitoring covers days 0..monitoring_days inclusive: the axis ends at the next local midnight.
    window_end = patient.protocol.settings.restrictions.monitoring_days + 1
    # The monitoring window, widened to show any point outside it (a late report, day -1 baseline).
    return {
        "min": min([0, *[int(x // 1) for x in xs]]),
        "max": max([window_end, int(day_position(now, patient)) + 1, *[int(x // 1) + 1 for x in xs]]),
    }


def chart_data(
    patient: Patient, reports: list[Report], alerts: list[Alert], check_ins: list[CheckIn], now: datetime
) -> dict:
    reports = sorted(reports, key=lambda r: (r.recorded_at, r.id))
    series: dict[str, dict[str, Any]] = {
        key: {"title": title, "unit": unit, "points": _points(patient, reports, column)}
        for key, column, title, unit in SERIES
    }
    marks = [
        {
            "x": day_position(a.opened_at, patient),
            "level": a.level,
            "id": a.id,
            "status": a.status,
            "label": _label(a.opened_at, patient),
        }
        for a in sorted(alerts, key=lambda a: a.opened_at)
    ]
    strip = [
        {
            "x": day_position(c.due_at, patient),
            "y": c.state,
            "id": c.id,
            "phase": c.phase,
            "label": _label(c.due_at, patient),
        }
        for c in sorted(check_ins, key=lambda c: c.due_at)
        if c.state in CHECK_IN_ROWS
    ]
    xs = [p["x"] for s in series.values() for p in s["points"]] + [m["x"] for m in marks] + [c["x"] for c in strip]
    return {
        "x": _x_range(patient, now, xs),
        "series": series,
        "alerts": marks,
        "check_ins": strip,
        "check_in_rows": list(CHECK_IN_ROWS),
        "fever_c": thresholds_of(patient.protocol).fever_c,
        "now": day_position(now, patient),
    }
