"""Temperature rules: R1 fever, R2 low-grade temperature, R3 low temperature, R16 late fever,
and the extra rule X1 (shaking chills)."""

from __future__ import annotations

from datetime import timedelta

from app.rules import text
from app.rules.compare import at_least, below
from app.rules.history import earlier_within, minutes_before
from app.rules.thresholds import Thresholds
from app.rules.types import Finding, Level, PatientContext, ReportInput


def fever_temperature(report: ReportInput, t: Thresholds) -> float | None:
    """The temperature when it is an ASTCT fever (R1), else None."""
    temp = report.vitals.temperature_c
    return temp if temp is not None and at_least(temp, t.fever_c) else None


def is_fever(report: ReportInput, t: Thresholds) -> bool:
    """Shared by R1, R2, R4, R5, R14 and R16 so they agree on what a fever is."""
    return fever_temperature(report, t) is not None


def r1_fever(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R1: a single reading is enough, no recheck first.
    temp = fever_temperature(report, t)
    if temp is None or ctx.day_after_infusion > t.fever_infection_after_day:
        return None
    summary = f"Temperature {text.temp(temp)} is at or above {text.temp(t.fever_c)}"
    return Finding("R1_fever", Level.URGENT, summary, {"fever_c": t.fever_c})


def r16_late_fever(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R16: after ~day 28–30 non-relapse deaths are mostly infections.
    temp = fever_temperature(report, t)
    if temp is None or ctx.day_after_infusion <= t.fever_infection_after_day:
        return None
    summary = (
        f"Temperature {text.temp(temp)} is at or above {text.temp(t.fever_c)} on day "
        f"{ctx.day_after_infusion} after infusion: infection risk"
    )
    values = {"fever_c": t.fever_c, "fever_infection_after_day": t.fever_infection_after_day}
    return Finding("R16_fever_infection_risk", Level.URGENT, summary, values)


def r2_low_grade(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R2: recheck first; a second low-grade reading gets a same-day call.
    temp = report.vitals.temperature_c
    if temp is None or not at_least(temp, t.low_grade_fever_c) or is_fever(report, t):
        return None
    values = {"low_grade_fever_c": t.low_grade_fever_c, "fever_c": t.fever_c}
    head = f"Temperature {text.temp(temp)} is at or above {text.temp(t.low_grade_fever_c)}"
    earlier = _earlier_low_grade(report, ctx, t)
    if earlier is not None:
        values["low_grade_recheck_window_minutes"] = t.low_grade_recheck_window_minutes
        summary = f"{head} and was {earlier} earlier"
        return Finding("R2_low_grade_temperature", Level.SAME_DAY, summary, values)
    values["low_grade_recheck_minutes"] = t.low_grade_recheck_minutes
    summary = f"{head}: recheck in {t.low_grade_recheck_minutes} min"
    return Finding("R2_low_grade_temperature", Level.ROUTINE, summary, values, t.low_grade_recheck_minutes)


def _earlier_low_grade(report: ReportInput, ctx: PatientContext, t: Thresholds) -> str | None:
    """'37.8 °C 55 min' for the newest earlier reading that was also low-grade or higher."""
    window = timedelta(minutes=t.low_grade_recheck_window_minutes)
    for prior in earlier_within(report, ctx, window):
        temp = prior.vitals.temperature_c
        if temp is not None and at_least(temp, t.low_grade_fever_c):
            return f"{text.temp(temp)} {minutes_before(report, prior)} min"
    return None


def r3_low_temperature(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R3: "high or low temperature" (Blood Cancer UK).
    temp = report.vitals.temperature_c
    if temp is None or not below(temp, t.hypothermia_c):
        return None
    summary = f"Temperature {text.temp(temp)} is below {text.temp(t.hypothermia_c)}"
    return Finding("R3_low_temperature", Level.URGENT, summary, {"hypothermia_c": t.hypothermia_c})


def x1_rigors(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # Extra rule X1: shaking chills/rigors → call (medication guides). Same-day, because rigors can
    # precede a fever the thermometer has not caught yet; a fever itself is handled by R1.
    chills = report.symptom("chills")
    if chills < t.rigors_chills_min_score:
        return None
    summary = f"Chills {text.score(chills)} (at or above {text.score(t.rigors_chills_min_score)}): possible rigors"
    return Finding("X1_rigors", Level.SAME_DAY, summary, {"rigors_chills_min_score": t.rigors_chills_min_score})


RULES = (r1_fever, r16_late_fever, r2_low_grade, r3_low_temperature, x1_rigors)
