"""CRS haemodynamic and respiratory rules: R4 fever with instability, R5 heart rate,
R6 blood pressure, R7 dizziness, R8 oxygen and breathing (docs/clinical-rules.md)."""

from __future__ import annotations

from datetime import timedelta

from app.rules import text
from app.rules.compare import at_least, below
from app.rules.fever import fever_temperature
from app.rules.history import earlier_within, minutes_before
from app.rules.thresholds import Thresholds
from app.rules.types import Finding, Level, PatientContext, ReportInput

# --- shared criteria: each returns the reasons that hold, in English, for the summary ----------


def tachycardia_reason(report: ReportInput, t: Thresholds) -> str | None:
    hr = report.vitals.heart_rate
    if hr is None or not at_least(hr, t.tachycardia_hr):
        return None
    return f"heart rate {text.num(hr)}/min (≥{t.tachycardia_hr})"


def hypotension_reason(report: ReportInput, ctx: PatientContext, t: Thresholds) -> str | None:
    """R6a: absolute SBP limit, or a relative drop from the day-0 baseline (R20)."""
    sbp = report.vitals.systolic_bp
    if sbp is None:
        return None
    if below(sbp, t.hypotension_sbp):
        return f"systolic BP {text.num(sbp)} mmHg (<{t.hypotension_sbp})"
    base = ctx.baseline.systolic_bp
    # R6a, NCI fluid-bolus trigger: both relative and absolute, so a hypertensive patient's
    # normal-range reading does not fire.
    if base is not None and below(sbp, base * t.baseline_sbp_fraction) and below(sbp, t.baseline_sbp_ceiling):
        return (
            f"systolic BP {text.num(sbp)} mmHg (<{text.percent(t.baseline_sbp_fraction)} of "
            f"baseline {text.num(base)} and <{t.baseline_sbp_ceiling})"
        )
    return None


def shock_reasons(report: ReportInput, t: Thresholds) -> list[str]:
    """R6b criteria."""
    reasons = []
    sbp = report.vitals.systolic_bp
    if sbp is not None and below(sbp, t.severe_hypotension_sbp):
        reasons.append(f"systolic BP {text.num(sbp)} mmHg (<{t.severe_hypotension_sbp})")
    if report.neuro.fainted:
        reasons.append("fainted")
    if report.signs.unable_to_stand:
        reasons.append("unable to stand")
    return reasons


def hypoxia_reasons(report: ReportInput, t: Thresholds) -> list[str]:
    """R8a criteria."""
    reasons = []
    spo2 = report.vitals.spo2
    if spo2 is not None and below(spo2, t.hypoxia_spo2):
        reasons.append(f"SpO2 {text.num(spo2)}% (<{t.hypoxia_spo2}%)")
    if report.signs.breathless_at_rest:
        reasons.append("breathless at rest")
    sob = report.symptom("shortness_of_breath")
    if sob >= t.dyspnoea_min_score:
        reasons.append(f"shortness of breath {text.score(sob)} (≥{t.dyspnoea_min_score})")
    return reasons


def severe_hypoxia_reasons(report: ReportInput, t: Thresholds) -> list[str]:
    """R8b criteria."""
    reasons = []
    spo2 = report.vitals.spo2
    if spo2 is not None and below(spo2, t.severe_hypoxia_spo2):
        reasons.append(f"SpO2 {text.num(spo2)}% (<{t.severe_hypoxia_spo2}%)")
    if report.signs.blue_lips:
        reasons.append("blue lips")
    if report.signs.cannot_speak_full_sentences:
        reasons.append("cannot speak in full sentences")
    return reasons


# --- rules ----------------------------------------------------------------------------------


def r4_fever_with_instability(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R4: fever plus hypotension or hypoxia is CRS grade ≥2 (ASTCT 2019).
    temp = fever_temperature(report, t)
    if temp is None:
        return None
    unstable = [r for r in (tachycardia_reason(report, t), hypotension_reason(report, ctx, t)) if r]
    unstable += hypoxia_reasons(report, t)
    if not unstable:
        return None
    severe = shock_reasons(report, t) + severe_hypoxia_reasons(report, t)
    level = Level.EMERGENCY if severe else Level.URGENT
    summary = f"Fever {text.temp(temp)} with {text.join(unstable + severe)}: possible CRS grade ≥2"
    values = {
        "fever_c": t.fever_c,
        "tachycardia_hr": t.tachycardia_hr,
        "hypotension_sbp": t.hypotension_sbp,
        "hypoxia_spo2": t.hypoxia_spo2,
    }
    return Finding("R4_fever_with_instability", level, summary, values)


def r5a_tachycardia(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R5a: without fever a single fast reading may be exertion, so recheck first.
    hr = report.vitals.heart_rate
    if hr is None or not at_least(hr, t.tachycardia_hr) or at_least(hr, t.tachycardia_severe_hr):
        return None
    if fever_temperature(report, t) is not None:
        return None  # R5b
    head = f"Heart rate {text.num(hr)}/min is at or above {t.tachycardia_hr}/min without fever"
    earlier = _earlier_fast(report, ctx, t)
    if earlier is not None:
        values = {
            "tachycardia_hr": t.tachycardia_hr,
            "tachycardia_repeat_window_minutes": t.tachycardia_repeat_window_minutes,
        }
        return Finding("R5a_tachycardia", Level.SAME_DAY, f"{head}, sustained ({earlier} earlier)", values)
    values = {"tachycardia_hr": t.tachycardia_hr, "tachycardia_recheck_minutes": t.tachycardia_recheck_minutes}
    summary = f"{head}: recheck in {t.tachycardia_recheck_minutes} min"
    return Finding("R5a_tachycardia", Level.ROUTINE, summary, values, t.tachycardia_recheck_minutes)


def _earlier_fast(report: ReportInput, ctx: PatientContext, t: Thresholds) -> str | None:
    window = timedelta(minutes=t.tachycardia_repeat_window_minutes)
    for prior in earlier_within(report, ctx, window):
        hr = prior.vitals.heart_rate
        if hr is not None and at_least(hr, t.tachycardia_hr):
            return f"{text.num(hr)}/min {minutes_before(report, prior)} min"
    return None


def r5b_tachycardia_urgent(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R5b.
    hr = report.vitals.heart_rate
    if hr is None:
        return None
    values = {"tachycardia_hr": t.tachycardia_hr, "tachycardia_severe_hr": t.tachycardia_severe_hr}
    if at_least(hr, t.tachycardia_severe_hr):
        summary = f"Heart rate {text.num(hr)}/min is at or above {t.tachycardia_severe_hr}/min"
        return Finding("R5b_tachycardia_urgent", Level.URGENT, summary, values)
    temp = fever_temperature(report, t)
    if temp is not None and at_least(hr, t.tachycardia_hr):
        summary = f"Heart rate {text.num(hr)}/min is at or above {t.tachycardia_hr}/min with fever {text.temp(temp)}"
        return Finding("R5b_tachycardia_urgent", Level.URGENT, summary, values | {"fever_c": t.fever_c})
    return None


def r6a_low_blood_pressure(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R6a: one reading is enough to page; a confirming earlier one is only named.
    reason = hypotension_reason(report, ctx, t)
    if reason is None:
        return None
    summary = reason[0].upper() + reason[1:]
    earlier = _earlier_low_sbp(report, ctx, t)
    if earlier is not None:
        summary += f"; also {earlier} earlier"
    values: dict[str, float] = {"hypotension_sbp": t.hypotension_sbp}
    if ctx.baseline.systolic_bp is not None:
        values |= {"baseline_sbp_fraction": t.baseline_sbp_fraction, "baseline_sbp_ceiling": t.baseline_sbp_ceiling}
    return Finding("R6a_low_blood_pressure", Level.URGENT, summary, values)


def _earlier_low_sbp(report: ReportInput, ctx: PatientContext, t: Thresholds) -> str | None:
    window = timedelta(minutes=t.hypotension_repeat_window_minutes)
    for prior in earlier_within(report, ctx, window):
        reason = hypotension_reason(prior, ctx, t)
        if reason is not None:
            return f"{reason} {minutes_before(report, prior)} min"
    return None


def r6b_shock_signs(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R6b.
    reasons = shock_reasons(report, t)
    if not reasons:
        return None
    summary = f"Signs of shock: {text.join(reasons)}"
    return Finding("R6b_shock_signs", Level.EMERGENCY, summary, {"severe_hypotension_sbp": t.severe_hypotension_sbp})


def r7_dizziness(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R7: new or worse dizziness is urgent; the same dizziness again is a
    # same-day call, so a patient with steady mild dizziness does not page every report.
    dizzy = report.symptom("dizziness")
    if dizzy < t.dizziness_min_score:
        return None
    window = timedelta(hours=t.dizziness_lookback_hours)
    answers = [p.symptom("dizziness") for p in earlier_within(report, ctx, window) if "dizziness" in p.symptoms]
    values = {"dizziness_min_score": t.dizziness_min_score, "dizziness_lookback_hours": t.dizziness_lookback_hours}
    hours = f"{t.dizziness_lookback_hours} h"
    if not answers:
        summary = f"Dizziness {text.score(dizzy)} is new (no earlier answer in {hours})"
        return Finding("R7_dizziness", Level.URGENT, summary, values)
    highest = max(answers)
    if dizzy > highest:
        summary = f"Dizziness {text.score(dizzy)} is worse than in the last {hours} (max {text.score(highest)})"
        return Finding("R7_dizziness", Level.URGENT, summary, values)
    summary = f"Dizziness {text.score(dizzy)} is persisting (max {text.score(highest)} in the last {hours})"
    return Finding("R7_dizziness", Level.SAME_DAY, summary, values)


def r8a_low_oxygen(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R8a: any oxygen need is CRS grade ≥2 (ASTCT 2019).
    reasons = hypoxia_reasons(report, t)
    if not reasons:
        return None
    values = {"hypoxia_spo2": t.hypoxia_spo2, "dyspnoea_min_score": t.dyspnoea_min_score}
    return Finding("R8a_low_oxygen", Level.URGENT, f"Breathing: {text.join(reasons)}", values)


def r8b_severe_low_oxygen(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R8b.
    reasons = severe_hypoxia_reasons(report, t)
    if not reasons:
        return None
    return Finding(
        "R8b_severe_low_oxygen",
        Level.EMERGENCY,
        f"Breathing: {text.join(reasons)}",
        {"severe_hypoxia_spo2": t.severe_hypoxia_spo2},
    )


RULES = (
    r4_fever_with_instability,
    r5a_tachycardia,
    r5b_tachycardia_urgent,
    r6a_low_blood_pressure,
    r6b_shock_signs,
    r7_dizziness,
    r8a_low_oxygen,
    r8b_severe_low_oxygen,
)
