"""Every configurable number of the rules, with its source, evidence tag and plausible range.

THRESHOLD_SPECS is the single place where a number enters the engine: the `Thresholds`
dataclass takes its defaults from it, protocols are validated against it, and the care-team
page lists it with sources. Tags follow REFERENCE conventions: VERIFIED = seen in the cited
source, DESIGN = our proposal, UNVERIFIED = from a table row with no verification tag.
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

# One row per threshold: default, plausible minimum and maximum, unit, source, tag, description.
# The range is what a clinician could defend, and on the unsafe side it stops at the default:
# a protocol may only make Vigil more careful (safety.py, issue 13 item 6).
# fmt: off
THRESHOLD_SPECS: dict[str, ThresholdSpec] = {
    # --- temperature -------------------------------------------------------------------------
    # REFERENCE §6 R1; §2.1 ASTCT fever ≥38.0 °C; §3.2 site may lower to 37.5 °C (CUH).
    "fever_c": _S(38.0, 37.5, 38.0, "°C", "REFERENCE §6 R1; §2.1", "VERIFIED",
                  "Fever: a single reading at or above this is urgent (ASTCT CRS grade 1)."),
    # REFERENCE §6 R2; §3.1 CUH call trigger 37.5 °C.
    "low_grade_fever_c": _S(37.5, 37.0, 37.5, "°C", "REFERENCE §6 R2; §3.1 CUH", "DESIGN",
                            "Low-grade temperature: recheck, then same-day call if it persists."),
    # REFERENCE §6 R2 "prompt recheck in 60 min".
    "low_grade_recheck_minutes": _S(60, 10, 60, "min", "REFERENCE §6 R2", "DESIGN",
                                    "When to measure again after a first low-grade reading."),
    # REFERENCE §6 R2: how far back an earlier low-grade reading still counts as "still ≥37.5".
    "low_grade_recheck_window_minutes": _S(120, 120, 480, "min", "REFERENCE §6 R2", "DESIGN",
                                           "An earlier low-grade reading this recent makes it persistent."),
    # REFERENCE §6 R3 "low temperature" (Blood Cancer UK), cut-off ours.
    "hypothermia_c": _S(36.0, 36.0, 36.5, "°C", "REFERENCE §6 R3; §3.2", "DESIGN",
                        "Low temperature: below this is urgent."),
    # REFERENCE §6 R1 (days 0–30) vs R16 (day > 30, infection is the main risk, §1.1, §5.1).
    "fever_infection_after_day": _S(30, 14, 100, "day", "REFERENCE §6 R1, R16; §5.1", "DESIGN",
                                    "After this day a fever is reported as an infection risk."),
    # REFERENCE §3.2 shaking chills/rigors → call; severity cut-off ours (extra rule X1).
    "rigors_chills_min_score": _S(3, 2, 3, "score 0–4", "REFERENCE §3.2 rigors; §4.1", "DESIGN",
                                  "Chills at or above this severity get a same-day call."),
    # --- heart rate --------------------------------------------------------------------------
    # REFERENCE §6 R5a: ≥100/min, limit [DESIGN].
    "tachycardia_hr": _S(100, 90, 100, "/min", "REFERENCE §6 R5a", "DESIGN",
                         "Fast heart rate: recheck; same-day if sustained; urgent with fever."),
    # REFERENCE §6 R5b: ≥130/min at any time [DESIGN].
    "tachycardia_severe_hr": _S(130, 110, 130, "/min", "REFERENCE §6 R5b", "DESIGN",
                                "Very fast heart rate: urgent at any time."),
    # REFERENCE §6 R5a "repeated after 10 min".
    "tachycardia_recheck_minutes": _S(10, 5, 10, "min", "REFERENCE §6 R5a", "DESIGN",
                                      "When to measure the heart rate again."),
    # REFERENCE §6 R5a "sustained": an earlier fast reading this recent confirms it.
    "tachycardia_repeat_window_minutes": _S(60, 60, 240, "min", "REFERENCE §6 R5a", "DESIGN",
                                            "An earlier fast reading this recent makes it sustained."),
    # --- blood pressure ----------------------------------------------------------------------
    # REFERENCE §6 R6a; §2.1 "one table adaptation uses SBP <90".
    "hypotension_sbp": _S(90, 90, 110, "mmHg", "REFERENCE §6 R6a; §2.1", "DESIGN",
                          "Low systolic pressure: below this is urgent."),
    # REFERENCE §6 R6a; §3.1 NCI fluid-bolus trigger "<80% of baseline and <100".
    "baseline_sbp_fraction": _S(0.8, 0.8, 0.95, "fraction", "REFERENCE §6 R6a; §3.1", "DESIGN",
                                "Systolic below this fraction of the day-0 baseline…"),
    "baseline_sbp_ceiling": _S(100, 100, 130, "mmHg", "REFERENCE §6 R6a; §3.1", "DESIGN",
                               "…and below this value is urgent."),
    # REFERENCE §6 R6a "repeated": an earlier low reading this recent is named in the summary.
    "hypotension_repeat_window_minutes": _S(60, 10, 1440, "min", "REFERENCE §6 R6a", "DESIGN",
                                            "An earlier low reading this recent is mentioned."),
    # REFERENCE §6 R6b.
    "severe_hypotension_sbp": _S(80, 80, 100, "mmHg", "REFERENCE §6 R6b", "DESIGN",
                                 "Very low systolic pressure: below this is an emergency."),
    # --- dizziness ---------------------------------------------------------------------------
    # REFERENCE §6 R7: PRO-CTCAE 40 ≥ moderate (2 on the 0–4 scale, §4.1); no evidence tag.
    "dizziness_min_score": _S(2, 1, 2, "score 0–4", "REFERENCE §6 R7; §4.1", "UNVERIFIED",
                              "Dizziness at or above this severity, new or worse, is urgent."),
    # REFERENCE §6 R7 "new or worse": compared with answers from this far back.
    "dizziness_lookback_hours": _S(24, 1, 24, "h", "REFERENCE §6 R7", "DESIGN",
                                   "Earlier dizziness answers this recent decide 'new or worse'."),
    # --- oxygen / breathing ------------------------------------------------------------------
    # REFERENCE §6 R8a.
    "hypoxia_spo2": _S(92, 92, 96, "%", "REFERENCE §6 R8a", "DESIGN",
                       "Low oxygen saturation: below this is urgent."),
    # REFERENCE §6 R8b.
    "severe_hypoxia_spo2": _S(90, 90, 94, "%", "REFERENCE §6 R8b", "DESIGN",
                              "Very low oxygen saturation: below this is an emergency."),
    # REFERENCE §6 R8a "dyspnoea"; PRO-CTCAE 19 severity (§4.1), cut-off ours.
    "dyspnoea_min_score": _S(3, 1, 3, "score 0–4", "REFERENCE §6 R8a; §4.1", "DESIGN",
                             "Shortness of breath at or above this severity is urgent."),
    # --- ICE ---------------------------------------------------------------------------------
    # REFERENCE §6 R10a; §2.3 ICE 7–9 = ICANS grade 1.
    "ice_urgent_at_or_below": _S(9, 9, 9, "points", "REFERENCE §6 R10a; §2.3", "VERIFIED",
                                 "ICE score at or below this is urgent."),
    # REFERENCE §6 R10b; §2.3 ICE 3–6 = ICANS grade 2 (the emergency action is [DESIGN]).
    "ice_emergency_at_or_below": _S(6, 6, 8, "points", "REFERENCE §6 R10b; §2.3", "VERIFIED",
                                    "ICE score at or below this is an emergency."),
    # REFERENCE §6 R10a "any drop from own baseline"; home ICE not validated.
    "ice_baseline_drop_points": _S(1, 1, 1, "points", "REFERENCE §6 R10a, R20", "DESIGN",
                                   "A drop of this many points from the day-0 ICE is urgent."),
    # --- BCMA delayed neurotoxicity ----------------------------------------------------------
    # REFERENCE §6 window flags (bcma_late d15–180); §1.2 "beyond day 100".
    "bcma_late_from_day": _S(15, 7, 15, "day", "REFERENCE §6 R13 window", "DESIGN",
                             "First day of the BCMA delayed-neurotoxicity watch."),
    "bcma_late_to_day": _S(180, 180, 730, "day", "REFERENCE §6 R13 window; §1.2", "DESIGN",
                           "Last day of the BCMA delayed-neurotoxicity watch."),
    # --- Carvykti IEC-enterocolitis ----------------------------------------------------------
    # REFERENCE §6 R14: diarrhoea frequency ≥ "Frequently" (3 on PRO-CTCAE 16, §4.1).
    "iec_diarrhea_min_score": _S(3, 1, 3, "score 0–4", "REFERENCE §6 R14; §4.1", "DESIGN",
                                 "Diarrhoea at or above this counts as a diarrhoea day."),
    "iec_diarrhea_min_days": _S(3, 1, 3, "days", "REFERENCE §6 R14", "DESIGN",
                                "This many distinct diarrhoea days get a same-day call."),
    # PRO-CTCAE recall is 7 days (§4.1); older diarrhoea days do not count.
    "iec_diarrhea_window_days": _S(7, 7, 30, "days", "REFERENCE §6 R14; §4.1", "DESIGN",
                                   "Diarrhoea days are counted within this many days."),
    "iec_weight_loss_fraction": _S(0.05, 0.02, 0.05, "fraction", "REFERENCE §6 R14", "DESIGN",
                                   "Weight this fraction below baseline gets a same-day call."),
    "iec_pain_diarrhea_min_score": _S(2, 1, 2, "score 0–4", "REFERENCE §6 R14", "DESIGN",
                                      "Diarrhoea at or above this together with…"),
    "iec_abdominal_pain_min_score": _S(3, 1, 3, "score 0–4", "REFERENCE §6 R14", "DESIGN",
                                       "…abdominal pain at or above this gets a same-day call."),
    # --- bleeding ----------------------------------------------------------------------------
    # REFERENCE §6 R15 "any new" bruising/bleeding.
    "bleeding_min_score": _S(1, 1, 1, "score 0–4", "REFERENCE §6 R15", "DESIGN",
                             "Bleeding or bruising at or above this gets a same-day call."),
    # --- missing data ------------------------------------------------------------------------
    # REFERENCE §6 R12: "no vitals entry for > 8 h while awake in acute" (DESIGN); issue 13 item 7.
    "vitals_gap_hours": _S(8, 2, 8, "h", "REFERENCE §6 R12", "DESIGN",
                           "In the acute window, answering with no temperature this long is a same-day call."),
    # --- late reports ------------------------------------------------------------------------
    # REFERENCE §6 R12 spirit (stale data); the minutes are ours.
    "late_report_minutes": _S(60, 15, 720, "min", "REFERENCE §6 R12", "DESIGN",
                              "A report received this long after it was recorded is marked late."),
    "late_report_relevance_hours": _S(24, 24, 168, "h", "REFERENCE §6 R12", "DESIGN",
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
        return cls(**{k: _coerce(k, v) for k, v in overrides.items()})

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
# lower fever_c to low_grade_fever_c (REFERENCE §6 R1, §3.2: CUH 37.5 °C), which just empties R2.
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
