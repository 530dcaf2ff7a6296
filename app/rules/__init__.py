"""Vigil rules engine: pure CRS/ICANS/late-effect rules for CAR T home monitoring.

Pure by design (app/rules/README.md): no Flask, no database, no clock. A
report, the patient's context and a protocol's thresholds go in; an assessment comes out.
"""

from __future__ import annotations

from app.rules.engine import assess
from app.rules.instructions import InstructionContext, render_instructions
from app.rules.thresholds import THRESHOLD_SPECS, Thresholds, ThresholdSpec, validate_thresholds
from app.rules.types import (
    Assessment,
    Baseline,
    Finding,
    IceParts,
    Level,
    Neuro,
    PatientContext,
    PriorReading,
    ReportInput,
    Signs,
    Vitals,
    fahrenheit_to_celsius,
)

__all__ = [
    "THRESHOLD_SPECS",
    "Assessment",
    "Baseline",
    "Finding",
    "IceParts",
    "InstructionContext",
    "Level",
    "Neuro",
    "PatientContext",
    "PriorReading",
    "ReportInput",
    "Signs",
    "ThresholdSpec",
    "Thresholds",
    "Vitals",
    "assess",
    "fahrenheit_to_celsius",
    "render_instructions",
    "validate_thresholds",
]
