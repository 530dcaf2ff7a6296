"""ICANS rules: R9 neuro checklist, R10 ICE score, R11 severe neuro events (docs/clinical-rules.md)."""

from __future__ import annotations

from app.rules import text
from app.rules.thresholds import Thresholds
from app.rules.types import Finding, Level, Neuro, PatientContext, ReportInput

# R9: any of these, new, calls for a clinician now (med guides, CUH, Dana-Farber).
R9_SIGNS = {
    "confusion": "confusion",
    "word_finding_difficulty": "word-finding or speech difficulty",
    "handwriting_changed": "handwriting changed",
    "tremor": "tremor",
    "excessive_sleepiness": "unusual sleepiness",
    "agitation": "agitation",
    "severe_headache": "severe headache",
    "speech_understanding_difficulty": "trouble understanding speech",
    "hallucinations": "seeing or hearing things that are not there",
}

# R11: ICANS grade 3–4 features a caregiver can see.
R11_SIGNS = {
    "seizure": "seizure",
    "hard_to_wake": "cannot be woken normally",
    "fainted": "collapse/fainting",
    "facial_droop_or_weakness": "face droop or one-sided weakness",
}

# R10b: ICE 0–2 is the ASTCT ICANS grade 3 band (VERIFIED). Used for wording only; the
# emergency cut-off itself is the configurable ice_emergency_at_or_below.
ICE_GRADE_3_AT_OR_BELOW = 2


def present(neuro: Neuro, labels: dict[str, str]) -> list[str]:
    """Labels of the flags answered "yes" (None and False both mean not reported)."""
    return [label for name, label in labels.items() if getattr(neuro, name)]


def r9_neuro_change(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    signs = present(report.neuro, R9_SIGNS)
    values: dict[str, float] = {}
    headache = report.symptom("headache")
    if headache >= t.headache_min_score:
        # R9 "severe headache", whichever question it was answered on (symptom scale or checklist).
        signs.append(f"headache {text.score(headache)} (at or above {text.score(t.headache_min_score)})")
        values["headache_min_score"] = t.headache_min_score
    limb = _limb_weakness_r9(report, ctx, t)
    if limb is not None:
        signs.append(limb)
        values["limb_weakness_urgent_to_day"] = t.limb_weakness_urgent_to_day
    if not signs:
        return None
    return Finding("R9_neuro_change", Level.URGENT, f"Neuro change: {text.join(signs)}", values)


def _limb_weakness_r9(report: ReportInput, ctx: PatientContext, t: Thresholds) -> str | None:
    """R9 arm or leg weakness: urgent through limb_weakness_urgent_to_day for every product, and
    at any day while the side is not known (it may be one-sided, which is R11)."""
    neuro = report.neuro
    if not neuro.limb_numbness_or_weakness or neuro.limb_weakness_one_side:
        return None  # one side is R11's
    if neuro.limb_weakness_one_side is None:
        return "weakness or numbness in an arm or leg (side not known)"
    if ctx.day_after_infusion <= t.limb_weakness_urgent_to_day:
        return "weakness or numbness in an arm or leg (both sides)"
    return None


def r10b_ice_severe(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R10b: ICE ≤6 (≈ ICANS grade 2) or 0–2 / cannot do the test (≈ grade 3–4).
    values = {"ice_emergency_at_or_below": t.ice_emergency_at_or_below}
    if report.neuro.ice_unable:
        summary = "Could not do the ICE test (counts as ICE 0–2, ≈ ICANS grade 3–4)"
        return Finding("R10b_ice_severe", Level.EMERGENCY, summary, values)
    score = report.neuro.ice_score
    if score is None or score > t.ice_emergency_at_or_below:
        return None
    grade = "≈ ICANS grade 3–4" if score <= ICE_GRADE_3_AT_OR_BELOW else "≈ ICANS grade 2"
    summary = f"ICE score {score}/10 is at or below {t.ice_emergency_at_or_below} ({grade})"
    return Finding("R10b_ice_severe", Level.EMERGENCY, summary, values)


def r10a_ice_drop(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    # R10a: ICE 7–9 (≈ ICANS grade 1), or any drop from the day-0 baseline (R20).
    score = report.neuro.ice_score
    if score is None or report.neuro.ice_unable or score <= t.ice_emergency_at_or_below:
        return None  # R10b covers these
    reasons = []
    values: dict[str, float] = {}
    if score <= t.ice_urgent_at_or_below:
        reasons.append(f"at or below {t.ice_urgent_at_or_below} (≈ ICANS grade 1)")
        values["ice_urgent_at_or_below"] = t.ice_urgent_at_or_below
    base = ctx.baseline.ice_score
    if base is not None and base - score >= t.ice_baseline_drop_points:
        reasons.append(f"{base - score} below baseline {base}")
        values["ice_baseline_drop_points"] = t.ice_baseline_drop_points
    if not reasons:
        return None
    summary = f"ICE score {score}/10 is {' and '.join(reasons)}"
    return Finding("R10a_ice_drop", Level.URGENT, summary, values)


def r11_severe_neuro(report: ReportInput, ctx: PatientContext, t: Thresholds) -> Finding | None:
    signs = present(report.neuro, R11_SIGNS)
    if report.neuro.limb_weakness_one_side:
        # R11 "new one-sided weakness", at any day: a one-sided deficit needs emergency care.
        signs.append("weakness or numbness of an arm or leg on one side of the body")
    if not signs:
        return None
    return Finding("R11_severe_neuro", Level.EMERGENCY, f"Severe neuro event: {text.join(signs)}", {})


RULES = (r9_neuro_change, r10a_ice_drop, r10b_ice_severe, r11_severe_neuro)
