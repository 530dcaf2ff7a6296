"""R20: which relative rules are off for want of a day-0 baseline (docs/clinical-rules.md,
"R20 baselines").

A relative rule compares a reading with the patient's own day-0 value. Without that value the
rule cannot fire, and the team must know it: the patient page, every alert, the hand-off and
the FHIR export say "relative rules off: no baseline" and name what is missing. The absolute
rules (SBP < 90, ICE ≤ 9, ...) still run.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Patient

# What enrollment asks for (R20 in docs/clinical-rules.md: BP, SpO2, ICE, handwriting sample), plus weight for
# Carvykti, whose R14 weight-loss rule needs it.
ASKED = ("systolic_bp", "spo2", "ice_score", "handwriting_sample")
LABELS = {
    "systolic_bp": "blood pressure",
    "spo2": "SpO2",
    "ice_score": "ICE score",
    "handwriting_sample": "handwriting sample",
    "weight_kg": "weight",
}


@dataclass(frozen=True)
class RelativeRule:
    rule: str
    needs: str
    description: str


RELATIVE_RULES = (
    RelativeRule("R6a_low_blood_pressure", "systolic_bp", "systolic below 80 % of the day-0 value"),
    RelativeRule("R10a_ice_drop", "ice_score", "any drop from the day-0 ICE score"),
    RelativeRule("R9_neuro_change", "handwriting_sample", "handwriting compared with the day-0 sample"),
    RelativeRule("R14_enterocolitis", "weight_kg", "weight 5 % below the day-0 value (Carvykti)"),
)


def _asked(patient: Patient) -> tuple[str, ...]:
    return ASKED + (("weight_kg",) if patient.product == "carvykti" else ())


def _has(baseline: dict, key: str) -> bool:
    # A handwriting sample is a yes/no: "no" is as missing as no answer.
    return bool(baseline.get(key)) if key == "handwriting_sample" else baseline.get(key) is not None


def baseline_missing(patient: Patient) -> list[str]:
    baseline = patient.baseline or {}
    return [key for key in _asked(patient) if not _has(baseline, key)]


def relative_rules_off(patient: Patient) -> list[dict]:
    missing = set(baseline_missing(patient))
    return [
        {"rule": r.rule, "needs": r.needs, "description": r.description} for r in RELATIVE_RULES if r.needs in missing
    ]


def relative_rules_are_off(patient: Patient) -> bool:
    """True when at least one relative rule compares with nothing (R20). The page to staff and
    the queue row carry a short "no baseline" marker then: the person acting on an alert must know
    that a reading inside the absolute limits may still be a drop from this patient's own normal.
    A missing SpO2 alone turns no rule off, so it gets no marker."""
    missing = set(baseline_missing(patient))
    return any(r.needs in missing for r in RELATIVE_RULES)


def baseline_notice(patient: Patient) -> str | None:
    """The one line every staff view shows, or None when every relative rule can run."""
    missing = baseline_missing(patient)
    if not missing:
        return None
    off = relative_rules_off(patient)
    rules = ", ".join(r["rule"].split("_")[0] for r in off)
    what = ", ".join(LABELS[k] for k in missing)
    return (
        f"Relative rules off: no baseline ({what} missing)" + (f"; {rules} compare with nothing" if rules else "")
        if off
        else f"Baseline incomplete: {what} missing"
    )
