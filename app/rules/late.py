"""Later and product-specific rules: R13 BCMA delayed neurotoxicity, X2 movement/mood signs
outside R13, R14 Carvykti IEC-enterocolitis, R15 bleeding (docs/clinical-rules.md)."""

from __future__ import annotations

from datetime import date, timedelta

from app.rules import text
from app.rules.compare import at_least
from app.rules.fever import fever_temperature
from app.rules.history import earlier_within
from app.rules.neuro import present
from app.rules.thresholds import Thresholds
from app.rules.types import Finding, Level, PatientContext, ReportInput

# R13: the Carvykti Medication Guide's early signs (VERIFIED list).
R13_SIGNS = {
    "slowness_or_shuffling": "slowness or shuffling",
    "reduced_facial_expression": "reduced facial expression",
    "personality_change": "personality change or apathy",
    "limb_numbness_or_weakness": "limb numbness or weakness",
    "handwriting_changed": "handwriting changed",
    "facial_droop_or_weakness": "facial weakness",
    "tremor": "tremor",
}

# The R13 signs that neither R9 nor R11 covers: outside R13 they would otherwise go unseen.
X2_SIGNS = {
    name: label
    for name, label in R13_SIGNS.items()
    if name not in ("handwriting_changed", "facial_droop_or_weakness", "tremor")
}

# R14: IEC-enterocolitis is a Carvykti boxed warning (FDA, Oct 2025).
IEC_PRODUCTS = frozenset({"carvykti"})


def in_bcma_late_window(ctx: PatientContext, t: Thresholds) -> bool:
    # R13 window: Abecma/Carvykti, day 15–180.
    return t.bcma_late_from_day <= ctx.day_after_infusion <= t.bcma_late_to_day and ctx.is_bcma


def r13_delayed_neurotoxicity(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # Reported besides R9/R11 so the team sees the parkinsonism/MNT pattern by name.
    if not in_bcma_late_window(ctx, t):
        return None
    signs = present(report.neuro, R13_SIGNS)
    if not signs:
        return None
    summary = f"Possible delayed BCMA neurotoxicity on day {ctx.day_after_infusion}: {text.join(signs)}"
    values = {"bcma_late_from_day": t.bcma_late_from_day, "bcma_late_to_day": t.bcma_late_to_day}
    return Finding("R13_delayed_neurotoxicity", Level.URGENT, summary, values)


def x2_movement_or_mood(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # Extra rule: slowness, flat face, personality change or limb numbness/weakness outside
    # the R13 window still deserve a nurse's call (X2: ICANS motor signs; neuropathy in the Carvykti label).
    if in_bcma_late_window(ctx, t):
        return None
    signs = present(report.neuro, X2_SIGNS)
    if not signs:
        return None
    return Finding("X2_movement_or_mood_change", Level.SAME_DAY, f"Reported: {text.join(signs)}", {})


def r14_enterocolitis(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R14: IEC-EC is severe/prolonged diarrhoea, abdominal pain, weight loss (FDA Oct 2025).
    if ctx.product_key not in IEC_PRODUCTS:
        return None
    reasons = [
        r for r in (_diarrhea_days(report, ctx, t), _weight_loss(report, ctx, t), _diarrhea_with_pain(report, t)) if r
    ]
    if not reasons:
        return None
    level = Level.SAME_DAY
    temp = fever_temperature(report, t)
    if temp is not None:
        reasons.append(f"with fever {text.temp(temp)}")
        level = Level.URGENT
    if report.signs.blood_in_stool:
        reasons.append("with blood in stool")
        level = Level.URGENT
    summary = f"Possible immune effector cell enterocolitis: {text.join(reasons)}"
    values = {
        "iec_diarrhea_min_score": t.iec_diarrhea_min_score,
        "iec_diarrhea_min_days": t.iec_diarrhea_min_days,
        "iec_weight_loss_fraction": t.iec_weight_loss_fraction,
        "iec_abdominal_pain_min_score": t.iec_abdominal_pain_min_score,
    }
    return Finding("R14_enterocolitis", level, summary, values)


def _diarrhea_days(report: ReportInput, ctx: PatientContext, t: Thresholds) -> str | None:
    # Counted only when today's answer qualifies: the earlier days already fired their own
    # finding, and a vitals-only check-in should not re-open it.
    if report.symptom("diarrhea") < t.iec_diarrhea_min_score:
        return None
    window = timedelta(days=t.iec_diarrhea_window_days)
    days = {_local_day(report, ctx)}
    days |= {
        _local_day(prior, ctx)
        for prior in earlier_within(report, ctx, window)
        if prior.symptom("diarrhea") >= t.iec_diarrhea_min_score
    }
    if len(days) < t.iec_diarrhea_min_days:
        return None
    return f"diarrhoea ≥{text.score(t.iec_diarrhea_min_score)} on {len(days)} days in {t.iec_diarrhea_window_days} days"


def _local_day(report: ReportInput, ctx: PatientContext) -> date:
    when = report.recorded_at
    return (when.astimezone(ctx.local_tz) if ctx.local_tz is not None else when).date()


def _weight_loss(report: ReportInput, ctx: PatientContext, t: Thresholds) -> str | None:
    weight, base = report.vitals.weight_kg, ctx.baseline.weight_kg
    if weight is None or base is None or base <= 0:
        return None  # R20: no baseline, no relative rule
    loss = (base - weight) / base
    if not at_least(loss, t.iec_weight_loss_fraction):
        return None
    return (
        f"weight {text.num(weight)} kg is {text.percent(loss)} below baseline {text.num(base)} kg "
        f"(≥{text.percent(t.iec_weight_loss_fraction)})"
    )


def _diarrhea_with_pain(report: ReportInput, t: Thresholds) -> str | None:
    diarrhea, pain = report.symptom("diarrhea"), report.symptom("abdominal_pain")
    if diarrhea < t.iec_pain_diarrhea_min_score or pain < t.iec_abdominal_pain_min_score:
        return None
    return f"diarrhoea {text.score(diarrhea)} with abdominal pain {text.score(pain)}"


def r15_bleeding(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R15: cytopenias (boxed warnings). Blood in stool is bleeding too, for every product.
    reasons = []
    bleeding = report.symptom("bleeding_or_bruising")
    if bleeding >= t.bleeding_min_score:
        reasons.append(f"bleeding or bruising {text.score(bleeding)}")
    if report.signs.blood_in_stool:
        reasons.append("blood in stool")
    if report.signs.heavy_bleeding:
        reasons.append("heavy bleeding")
    if not reasons:
        return None
    level = Level.URGENT if report.signs.heavy_bleeding else Level.SAME_DAY
    return Finding(
        "R15_bleeding", level, f"Bleeding: {text.join(reasons)}", {"bleeding_min_score": t.bleeding_min_score}
    )


RULES = (r13_delayed_neurotoxicity, x2_movement_or_mood, r14_enterocolitis, r15_bleeding)
