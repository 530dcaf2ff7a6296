"""Every configurable number of the rules, with its source, evidence tag and plausible range.

THRESHOLD_SPECS is the single place where a number enters the engine: the `Thresholds`
dataclass takes its defaults from it, protocols are validated against it, and the care-team
page lists it with sources. Each `source` names the rule id in docs/clinical-rules.md and its
primary source. Tags: VERIFIED = seen in the cited source, DESIGN = our proposal (the document
gives the reason), UNVERIFIED = taken from secondary material, to check against the source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from app.rules.safety import safest, unsafe_problem

Tag = Literal["VERIFIED", "DESIGN", "UNVERIFIED"]


@dataclass(frozen=True, slots=True)
class ThresholdSpec:
    default: float
    minimum: float
    maximum: float
    unit: str
    source: str
    tag: Tag
    description: str

    @property
    def integer(self) -> bool:
        # Minutes, days and 0–4 scores are whole numbers; the default's type says which.
        return isinstance(self.default, int)


_S = ThresholdSpec

# The range is what a clinician could defend, and on the unsafe side it stops at the default:
# a protocol may only make Vigil more careful (safety.py).
# One row per threshold: default, plausible minimum and maximum, unit, source, tag, description.
# fmt: off
THRESHOLD_SPECS: dict[str, ThresholdSpec] = {
    # --- temperature -------------------------------------------------------------------------
    # R1: ASTCT fever ≥38.0 °C; a site may lower it to 37.5 °C (CUH leaflet).
    "fever_c": _S(38.0, 37.5, 38.0, "°C", "R1: ASTCT 2019 fever ≥ 38.0 °C; US labels", "VERIFIED",
                  "Fever: a single reading at or above this is urgent (ASTCT CRS grade 1)."),
    # R2: the CUH leaflet's call trigger, 37.5 °C.
    "low_grade_fever_c": _S(37.5, 37.0, 37.5, "°C", "R2: CUH discharge leaflet (call at 37.5 °C)", "DESIGN",
                            "Low-grade temperature: recheck, then same-day call if it persists."),
    # R2 "prompt recheck in 60 min".
    "low_grade_recheck_minutes": _S(60, 10, 60, "min", "R2: recheck time, no source gives one", "DESIGN",
                                    "When to measure again after a first low-grade reading."),
    # R2 "still ≥ 37.5": two low-grade reports within 6 h (two check-ins in a row, not only a
    # recheck) make it persistent. A shorter window would miss check-ins 4–6 h apart, so the
    # unsafe side (shorter) is closed.
    "low_grade_recheck_window_minutes": _S(360, 360, 720, "min", "R2: persistence window, no source has one", "DESIGN",
                                           "An earlier low-grade reading this recent makes it persistent."),
    # R3 "low temperature" (Blood Cancer UK), cut-off ours.
    "hypothermia_c": _S(36.0, 36.0, 36.5, "°C", "R3: Blood Cancer UK carer checklist (low temperature)", "DESIGN",
                        "Low temperature: below this is urgent."),
    # R1 (days 0–30) vs R16 (day > 30: infection is the main risk of death after ~day 28).
    "fever_infection_after_day": _S(30, 14, 100, "day", "R1, R16: Blood Adv 2024 monitoring; Wesson TCT 2024", "DESIGN",
                                    "After this day a fever is reported as an infection risk."),
    # X1: shaking chills/rigors → call (medication guides); severity cut-off ours.
    "rigors_chills_min_score": _S(3, 2, 3, "score 0–4", "X1: Carvykti Medication Guide (chills); PRO-CTCAE", "DESIGN",
                                  "Chills at or above this severity get a same-day call."),
    # --- heart rate --------------------------------------------------------------------------
    # R5a: ≥100/min, limit ours.
    "tachycardia_hr": _S(100, 90, 100, "/min", "R5a: Yescarta ISI (tachycardia is a CRS sign)", "DESIGN",
                         "Fast heart rate: recheck; same-day if sustained; urgent with fever."),
    # R5b: ≥130/min at any time, limit ours.
    "tachycardia_severe_hr": _S(130, 110, 130, "/min", "R5b: Carvykti Medication Guide (fast heartbeat)", "DESIGN",
                                "Very fast heart rate: urgent at any time."),
    # R5a "repeated after 10 min".
    "tachycardia_recheck_minutes": _S(10, 5, 10, "min", "R5a: recheck time, no source gives one", "DESIGN",
                                      "When to measure the heart rate again."),
    # R5a "sustained": an earlier fast reading this recent confirms it.
    "tachycardia_repeat_window_minutes": _S(60, 60, 240, "min", "R5a: sustained window, no source gives one", "DESIGN",
                                            "An earlier fast reading this recent makes it sustained."),
    # --- blood pressure ----------------------------------------------------------------------
    # R6a: one adaptation of the ASTCT table uses SBP <90.
    "hypotension_sbp": _S(90, 90, 110, "mmHg", "R6a: ASTCT 2019 table adaptation (SBP < 90)", "DESIGN",
                          "Low systolic pressure: below this is urgent."),
    # R6a: the NCI supportive-care fluid-bolus trigger "<80% of baseline and <100".
    "baseline_sbp_fraction": _S(0.8, 0.8, 0.95, "fraction", "R6a: NCI supportive-care table (bolus)", "DESIGN",
                                "Systolic below this fraction of the day-0 baseline…"),
    "baseline_sbp_ceiling": _S(100, 100, 130, "mmHg", "R6a: NCI supportive-care table (bolus)", "DESIGN",
                               "…and below this value is urgent."),
    # R6a "repeated": an earlier low reading this recent is named in the summary.
    "hypotension_repeat_window_minutes": _S(60, 10, 1440, "min", "R6a: repeat window, no source gives one", "DESIGN",
                                            "An earlier low reading this recent is mentioned."),
    # R6b.
    "severe_hypotension_sbp": _S(80, 80, 100, "mmHg", "R6b: Carvykti Medication Guide (low BP)", "DESIGN",
                                 "Very low systolic pressure: below this is an emergency."),
    # --- dizziness ---------------------------------------------------------------------------
    # R7: PRO-CTCAE item 40 ≥ moderate (2 on the 0–4 scale); no evidence tag.
    "dizziness_min_score": _S(2, 1, 2, "score 0–4", "R7: Carvykti Medication Guide; PRO-CTCAE item 40", "UNVERIFIED",
                              "Dizziness at or above this severity, new or worse, is urgent."),
    # R7 "new or worse": compared with answers from this far back.
    "dizziness_lookback_hours": _S(24, 1, 24, "h", "R7: look-back window, no source gives one", "DESIGN",
                                   "Earlier dizziness answers this recent decide 'new or worse'."),
    # --- oxygen / breathing ------------------------------------------------------------------
    # R8a.
    "hypoxia_spo2": _S(92, 92, 96, "%", "R8a: ASTCT 2019 (any oxygen need is CRS grade ≥ 2)", "DESIGN",
                       "Low oxygen saturation: below this is urgent."),
    # R8b.
    "severe_hypoxia_spo2": _S(90, 90, 94, "%", "R8b: ASTCT 2019 (hypoxia grades)", "DESIGN",
                              "Very low oxygen saturation: below this is an emergency."),
    # R8a "dyspnoea"; PRO-CTCAE item 19 severity, cut-off ours.
    "dyspnoea_min_score": _S(3, 1, 3, "score 0–4", "R8a: CUH leaflet; PRO-CTCAE item 19", "DESIGN",
                             "Shortness of breath at or above this severity is urgent."),
    # --- neuro signs on the symptom scale and the checklist --------------------------------
    # R9 "severe headache": the symptom scale's "Severe" (3 on PRO-CTCAE 49 severity) or worse.
    # Raising it would ignore a severe headache, so the unsafe side (higher) is closed.
    "headache_min_score": _S(3, 1, 3, "score 0–4", "R9: CUH leaflet; PRO-CTCAE item 49", "UNVERIFIED",
                             "A headache at or above this severity is a new neurological sign (urgent)."),
    # R9: new arm or leg weakness is at least urgent through this day for every product (ICANS
    # onset window); one-sided weakness is R11 at any day. Shorter is unsafe, so it is closed.
    "limb_weakness_urgent_to_day": _S(30, 30, 365, "day", "R9, R11: ASTCT 2019 ICANS motor signs", "DESIGN",
                                      "Through this day arm or leg weakness is urgent for every product."),
    # --- ICE ---------------------------------------------------------------------------------
    # R10a: ASTCT ICE 7–9 = ICANS grade 1.
    "ice_urgent_at_or_below": _S(9, 9, 9, "points", "R10a: ASTCT 2019 ICE 7–9 = ICANS grade 1", "VERIFIED",
                                 "ICE score at or below this is urgent."),
    # R10b: ASTCT ICE 3–6 = ICANS grade 2 (the emergency action is ours).
    "ice_emergency_at_or_below": _S(6, 6, 8, "points", "R10b: ASTCT 2019 ICE 3–6 = ICANS grade 2", "VERIFIED",
                                    "ICE score at or below this is an emergency."),
    # R10a "any drop from own baseline"; home ICE is not validated.
    "ice_baseline_drop_points": _S(1, 1, 1, "points", "R10a, R20: own baseline, home ICE not validated", "DESIGN",
                                   "A drop of this many points from the day-0 ICE is urgent."),
    # --- BCMA delayed neurotoxicity ----------------------------------------------------------
    # R13 window (days 15–180); Cohen 2022: surveillance "beyond day 100".
    "bcma_late_from_day": _S(15, 7, 15, "day", "R13: Santomasso 2023; Cohen 2022", "DESIGN",
                             "First day of the BCMA delayed-neurotoxicity watch."),
    "bcma_late_to_day": _S(180, 180, 730, "day", "R13: Cohen 2022 (beyond day 100); Van Oekelen 2021", "DESIGN",
                           "Last day of the BCMA delayed-neurotoxicity watch."),
    # --- Carvykti IEC-enterocolitis ----------------------------------------------------------
    # R14: diarrhoea frequency ≥ "Frequently" (3 on PRO-CTCAE item 16).
    "iec_diarrhea_min_score": _S(3, 1, 3, "score 0–4", "R14: FDA Oct 2025 IEC-EC; PRO-CTCAE 16", "DESIGN",
                                 "Diarrhoea at or above this counts as a diarrhoea day."),
    "iec_diarrhea_min_days": _S(3, 1, 3, "days", "R14: FDA Oct 2025 Carvykti IEC-EC", "DESIGN",
                                "This many distinct diarrhoea days get a same-day call."),
    # PRO-CTCAE recall is 7 days; older diarrhoea days do not count.
    "iec_diarrhea_window_days": _S(7, 7, 30, "days", "R14: PRO-CTCAE 7-day recall", "DESIGN",
                                   "Diarrhoea days are counted within this many days."),
    "iec_weight_loss_fraction": _S(0.05, 0.02, 0.05, "fraction", "R14: FDA Oct 2025 Carvykti IEC-EC", "DESIGN",
                                   "Weight this fraction below baseline gets a same-day call."),
    # R14 "diarrhoea + severe abdominal pain": diarrhoea of any amount (1 = "Rarely" on the
    # PRO-CTCAE 16 frequency scale). Only 1 is safe: higher would ignore some diarrhoea.
    "iec_pain_diarrhea_min_score": _S(1, 1, 1, "score 0–4", "R14: FDA Oct 2025 IEC-EC; PRO-CTCAE 16", "DESIGN",
                                      "Diarrhoea at or above this together with…"),
    "iec_abdominal_pain_min_score": _S(3, 1, 3, "score 0–4", "R14: FDA Oct 2025 IEC-EC; PRO-CTCAE 17", "DESIGN",
                                       "…abdominal pain at or above this gets a same-day call."),
    # --- bleeding ----------------------------------------------------------------------------
    # R15 "any new" bruising/bleeding.
    "bleeding_min_score": _S(1, 1, 1, "score 0–4", "R15: Carvykti and Abecma labels (cytopenias)", "DESIGN",
                             "Bleeding or bruising at or above this gets a same-day call."),
    # --- missing data ------------------------------------------------------------------------
    # R12: no temperature for more than 8 h while check-ins are answered in the acute window.
    "vitals_gap_hours": _S(8, 2, 8, "h", "R12: care-team design (no source gives a gap)", "DESIGN",
                           "In the acute window, answering with no temperature this long is a same-day call."),
    # --- late reports ------------------------------------------------------------------------
    # L1: late reports; the minutes are ours (no source gives any).
    "late_report_minutes": _S(60, 15, 720, "min", "L1: late-report window, no source gives one", "DESIGN",
                              "A report received this long after it was recorded is marked late."),
    "late_report_relevance_hours": _S(24, 24, 168, "h", "L1: relevance window, no source gives one", "DESIGN",
                                      "Older reports are capped at same-day review instead of paging."),
}
# fmt: on


def _d(name: str) -> Any:
    return THRESHOLD_SPECS[name].default


@dataclass(frozen=True, slots=True)
class Thresholds:
    """One protocol's numbers; build with from_dict() so overrides are validated."""

    fever_c: float = _d("fever_c")
    low_grade_fever_c: float = _d("low_grade_fever_c")
    low_grade_recheck_minutes: int = _d("low_grade_recheck_minutes")
    low_grade_recheck_window_minutes: int = _d("low_grade_recheck_window_minutes")
    hypothermia_c: float = _d("hypothermia_c")
    fever_infection_after_day: int = _d("fever_infection_after_day")
    rigors_chills_min_score: int = _d("rigors_chills_min_score")
    tachycardia_hr: int = _d("tachycardia_hr")
    tachycardia_severe_hr: int = _d("tachycardia_severe_hr")
    tachycardia_recheck_minutes: int = _d("tachycardia_recheck_minutes")
    tachycardia_repeat_window_minutes: int = _d("tachycardia_repeat_window_minutes")
    hypotension_sbp: int = _d("hypotension_sbp")
    baseline_sbp_fraction: float = _d("baseline_sbp_fraction")
    baseline_sbp_ceiling: int = _d("baseline_sbp_ceiling")
    hypotension_repeat_window_minutes: int = _d("hypotension_repeat_window_minutes")
    severe_hypotension_sbp: int = _d("severe_hypotension_sbp")
    dizziness_min_score: int = _d("dizziness_min_score")
    dizziness_lookback_hours: int = _d("dizziness_lookback_hours")
    hypoxia_spo2: int = _d("hypoxia_spo2")
    severe_hypoxia_spo2: int = _d("severe_hypoxia_spo2")
    dyspnoea_min_score: int = _d("dyspnoea_min_score")
    headache_min_score: int = _d("headache_min_score")
    limb_weakness_urgent_to_day: int = _d("limb_weakness_urgent_to_day")
    ice_urgent_at_or_below: int = _d("ice_urgent_at_or_below")
    ice_emergency_at_or_below: int = _d("ice_emergency_at_or_below")
    ice_baseline_drop_points: int = _d("ice_baseline_drop_points")
    bcma_late_from_day: int = _d("bcma_late_from_day")
    bcma_late_to_day: int = _d("bcma_late_to_day")
    iec_diarrhea_min_score: int = _d("iec_diarrhea_min_score")
    iec_diarrhea_min_days: int = _d("iec_diarrhea_min_days")
    iec_diarrhea_window_days: int = _d("iec_diarrhea_window_days")
    iec_weight_loss_fraction: float = _d("iec_weight_loss_fraction")
    iec_pain_diarrhea_min_score: int = _d("iec_pain_diarrhea_min_score")
    iec_abdominal_pain_min_score: int = _d("iec_abdominal_pain_min_score")
    bleeding_min_score: int = _d("bleeding_min_score")
    vitals_gap_hours: int = _d("vitals_gap_hours")
    late_report_minutes: int = _d("late_report_minutes")
    late_report_relevance_hours: int = _d("late_report_relevance_hours")

    @classmethod
    def from_dict(cls, overrides: Mapping[str, Any] | None = None) -> Thresholds:
        """Defaults overridden by a protocol's values; any problem raises ValueError naming keys."""
        overrides = dict(overrides or {})
        problems = validate_thresholds(overrides)
        if problems:
            detail = "; ".join(f"{key}: {', '.join(msgs)}" for key, msgs in sorted(problems.items()))
            raise ValueError(f"invalid thresholds: {detail}")
        # Each key's own type (int or float) comes from its spec, which mypy cannot follow per key.
        coerced: dict[str, Any] = {k: _coerce(k, v) for k, v in overrides.items()}
        return cls(**coerced)

    @classmethod
    def for_grading(cls, overrides: Mapping[str, Any] | None = None) -> Thresholds:
        """A stored version's thresholds, never less careful than the shipped ones.

        Versions stored before the safe directions existed may hold a value on the unsafe side
        (or outside today's narrower range); grading must not crash on them nor honour them:
        each is moved to the nearest safe value in range, and if the set is still inconsistent
        the shipped defaults are used. Fails closed.
        """
        try:
            return cls.from_dict(overrides)
        except ValueError:
            pass
        clamped = {}
        for key, value in dict(overrides or {}).items():
            spec = THRESHOLD_SPECS.get(key)
            if spec is None or _value_problems(key, value) == ["not a number"]:
                continue
            value = min(max(safest(key, value, spec.default), spec.minimum), spec.maximum)
            clamped[key] = int(round(value)) if spec.integer else value
        try:
            return cls.from_dict(clamped)
        except ValueError:
            return cls()

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def _coerce(name: str, value: Any) -> float:
    # JSON gives 100.0 for 100 sometimes; keep whole-number thresholds as int for clean text.
    return int(value) if THRESHOLD_SPECS[name].integer else float(value)


# (a, b): a must not exceed b, else a band inverts (an emergency cut-off above its urgent one)
# or the recheck the patient is asked for can never confirm. Equal is allowed: a site may
# lower fever_c to low_grade_fever_c (R1: CUH pages at 37.5 °C), which just empties R2.
_NOT_ABOVE = (
    ("hypothermia_c", "low_grade_fever_c"),
    ("low_grade_fever_c", "fever_c"),
    ("tachycardia_hr", "tachycardia_severe_hr"),
    ("severe_hypotension_sbp", "hypotension_sbp"),
    ("severe_hypoxia_spo2", "hypoxia_spo2"),
    ("ice_emergency_at_or_below", "ice_urgent_at_or_below"),
    ("bcma_late_from_day", "bcma_late_to_day"),
    ("low_grade_recheck_minutes", "low_grade_recheck_window_minutes"),
    ("tachycardia_recheck_minutes", "tachycardia_repeat_window_minutes"),
)


def validate_thresholds(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Problems per key (unknown, not a number, out of range, inconsistent); {} when fine."""
    problems: dict[str, list[str]] = {}
    for key, value in values.items():
        for msg in _value_problems(key, value):
            problems.setdefault(key, []).append(msg)
    if not problems:
        for key, msg in _consistency_problems(values):
            problems.setdefault(key, []).append(msg)
    return problems


def _value_problems(key: str, value: Any) -> list[str]:
    spec = THRESHOLD_SPECS.get(key)
    if spec is None:
        return [f"unknown threshold {key!r}"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ["not a number"]
    if spec.integer and value != int(value):
        return ["must be a whole number"]
    unsafe = unsafe_problem(key, value, spec.default, spec.unit)
    if unsafe:
        return [unsafe]
    if not spec.minimum <= value <= spec.maximum:
        return [f"{value} is outside the plausible range {spec.minimum}–{spec.maximum} {spec.unit}"]
    return []


def _consistency_problems(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    merged = {name: spec.default for name, spec in THRESHOLD_SPECS.items()} | dict(values)
    out: list[tuple[str, str]] = []
    for a, b in _NOT_ABOVE:
        if merged[a] > merged[b]:
            out += _blame(values, a, b, f"{a} ({merged[a]}) must not exceed {b} ({merged[b]})")
    late, stale = "late_report_minutes", "late_report_relevance_hours"
    if merged[late] >= merged[stale] * 60:
        out += _blame(values, late, stale, f"{late} must be shorter than {stale}")
    return out


def _blame(values: Mapping[str, Any], a: str, b: str, message: str) -> list[tuple[str, str]]:
    # Name the key(s) the protocol author actually set, so the form highlights their field.
    keys = [k for k in (a, b) if k in values] or [a, b]
    return [(k, message) for k in keys]
