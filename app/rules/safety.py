"""Which way a protocol may move each threshold: only towards more care.

Every threshold with a clinical direction has a *safe direction*. A protocol may move it that
way (a lower fever line, a higher oxygen line, a wider ICE band) but never the other way past the
shipped figure: the shipped figure is the reference figure (docs/clinical-rules.md, "Protocol
settings and their safe direction"). The shipped value is each spec's default, so the limit
cannot drift from what the engine ships.

A few settings only change wording or which of two same-level rules fires; they are NEUTRAL and
keep a two-sided range. This module imports nothing from thresholds.py (which imports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Way = Literal["lower", "raise"]


@dataclass(frozen=True, slots=True)
class SafeDirection:
    may: Way  # "lower": a protocol may lower the value, never raise it above the shipped one
    source: str  # the primary source of the shipped (reference) figure, as shown in a refusal


_L: Way = "lower"
_R: Way = "raise"
_ASTCT = "ASTCT 2019 consensus (Lee et al.)"
_LABELS = "US product labels and medication guides"
_CUH = "Cambridge University Hospitals discharge leaflet"
_NCI = "NCI supportive-care table (fluid-bolus trigger)"
_OURS = "Vigil design figure, no guideline gives one"

# fmt: off
SAFE_DIRECTIONS: dict[str, SafeDirection] = {
    # A lower fever line pages sooner (CUH pages at 37.5 °C); a higher one misses ASTCT grade 1 CRS.
    "fever_c": SafeDirection(_L, f"{_ASTCT}: fever ≥ 38.0 °C; {_LABELS}: 38 °C (100.4 °F)"),
    "low_grade_fever_c": SafeDirection(_L, f"{_CUH}: call at 37.5 °C"),
    "low_grade_recheck_minutes": SafeDirection(_L, _OURS),          # sooner recheck
    "low_grade_recheck_window_minutes": SafeDirection(_R, _OURS),   # longer memory: persistence found more often
    "hypothermia_c": SafeDirection(_R, "Blood Cancer UK carer checklist: low temperature; cut-off ours"),
    "rigors_chills_min_score": SafeDirection(_L, f"{_LABELS}: chills or rigors; cut-off ours"),
    "tachycardia_hr": SafeDirection(_L, f"{_LABELS}: fast heartbeat; limit ours"),
    "tachycardia_severe_hr": SafeDirection(_L, _OURS),
    "tachycardia_recheck_minutes": SafeDirection(_L, _OURS),
    "tachycardia_repeat_window_minutes": SafeDirection(_R, _OURS),
    "hypotension_sbp": SafeDirection(_R, f"{_ASTCT} table adaptation: systolic < 90 mmHg"),
    "baseline_sbp_fraction": SafeDirection(_R, f"{_NCI}: below 80 % of baseline"),
    "baseline_sbp_ceiling": SafeDirection(_R, f"{_NCI}: and below 100 mmHg"),
    "severe_hypotension_sbp": SafeDirection(_R, _OURS),
    "dizziness_min_score": SafeDirection(_L, "PRO-CTCAE dizziness ≥ moderate; medication guides"),
    # "New or worse" is judged against the highest answer in the look-back: a shorter look-back
    # finds "new" (urgent) more often than "persisting" (same-day).
    "dizziness_lookback_hours": SafeDirection(_L, _OURS),
    "hypoxia_spo2": SafeDirection(_R, f"{_OURS} (any oxygen need is CRS grade ≥ 2, {_ASTCT})"),
    "severe_hypoxia_spo2": SafeDirection(_R, _OURS),
    "dyspnoea_min_score": SafeDirection(_L, _OURS),
    # R9: a lower cut-off counts milder headaches too.
    "headache_min_score": SafeDirection(_L, f"{_CUH}: severe headache; PRO-CTCAE headache severity"),
    # R9: a later day keeps arm or leg weakness urgent for longer.
    "limb_weakness_urgent_to_day": SafeDirection(_R, f"{_ASTCT}: motor weakness is an ICANS sign (onset window)"),
    "ice_urgent_at_or_below": SafeDirection(_R, f"{_ASTCT}: ICE 7–9 is ICANS grade 1"),
    "ice_emergency_at_or_below": SafeDirection(_R, f"{_ASTCT}: ICE 3–6 is ICANS grade 2"),
    "ice_baseline_drop_points": SafeDirection(_L, "any drop from the patient's own baseline"),
    "bcma_late_from_day": SafeDirection(_L, "Carvykti medication guide; Cohen 2022; Santomasso 2023"),
    "bcma_late_to_day": SafeDirection(_R, "Cohen 2022: surveillance beyond day 100"),
    "iec_diarrhea_min_score": SafeDirection(_L, "FDA Oct 2025 Carvykti IEC-EC warning; cut-off ours"),
    "iec_diarrhea_min_days": SafeDirection(_L, "FDA Oct 2025 Carvykti IEC-EC warning; cut-off ours"),
    "iec_diarrhea_window_days": SafeDirection(_R, "PRO-CTCAE 7-day recall"),
    "iec_weight_loss_fraction": SafeDirection(_L, "FDA Oct 2025 Carvykti IEC-EC warning; cut-off ours"),
    "iec_pain_diarrhea_min_score": SafeDirection(_L, "FDA Oct 2025 Carvykti IEC-EC warning; cut-off ours"),
    "iec_abdominal_pain_min_score": SafeDirection(_L, "FDA Oct 2025 Carvykti IEC-EC warning; cut-off ours"),
    "bleeding_min_score": SafeDirection(_L, "boxed warnings on cytopenias: any new bleeding"),
    # R12: a shorter gap notices a silent thermometer sooner.
    "vitals_gap_hours": SafeDirection(_L, f"{_OURS} (no temperature for more than 8 h)"),
    # A report older than this is capped for review; a longer window caps fewer reports.
    "late_report_relevance_hours": SafeDirection(_R, _OURS),
}
# fmt: on

# No direction: the level does not depend on which way these move.
NEUTRAL: dict[str, str] = {
    "fever_infection_after_day": "R1 and R16 are both urgent; the day only picks the wording (CRS or infection).",
    "hypotension_repeat_window_minutes": "Only names an earlier low reading in the summary.",
    "late_report_minutes": "Only adds how late a report is to the summary.",
}


def unsafe_problem(key: str, value: float, shipped: float, unit: str) -> str | None:
    """The refusal for a value on the unsafe side of the shipped figure, else None."""
    way = SAFE_DIRECTIONS.get(key)
    if way is None:
        return None
    if way.may == "lower" and value > shipped:
        verb, never = "lowered", "raised above"
    elif way.may == "raise" and value < shipped:
        verb, never = "raised", "lowered below"
    else:
        return None
    return (
        f"{key} {value} {unit} is less careful than the reference figure {shipped} {unit} "
        f"({way.source}): a protocol may only make Vigil more careful, so {key} may be {verb}, "
        f"never {never} {shipped} {unit}"
    )


def safest(key: str, value: float, shipped: float) -> float:
    """`value` moved back to the shipped figure when it is on the unsafe side."""
    way = SAFE_DIRECTIONS.get(key)
    if way is None:
        return value
    return min(value, shipped) if way.may == "lower" else max(value, shipped)
