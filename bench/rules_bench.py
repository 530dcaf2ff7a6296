"""Throughput of the pure rules engine: assess() + render_instructions() on one core.

Run from the repository root: `python bench/rules_bench.py [seconds]`. Prints assessments per
second over a realistic mix (quiet check-ins, low-grade and real fevers, neuro changes,
emergencies, late and product-specific cases). Target: > 20,000/s.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.rules import (  # noqa: E402 - after the sys.path line on purpose
    Baseline,
    IceParts,
    InstructionContext,
    Level,
    Neuro,
    PatientContext,
    ReportInput,
    Signs,
    Thresholds,
    Vitals,
    assess,
    render_instructions,
)

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
FULL_ICE = IceParts(orientation=4, naming=3, commands=1, writing=1, attention=1)
QUIET_SYMPTOMS = {
    "chills": 0,
    "headache": 1,
    "dizziness": 0,
    "shortness_of_breath": 0,
    "nausea": 1,
    "diarrhea": 0,
    "abdominal_pain": 0,
    "fatigue": 2,
    "bleeding_or_bruising": 0,
}


def _report(minutes_before: int = 0, **vitals: float) -> ReportInput:
    return ReportInput(recorded_at=T0 - timedelta(minutes=minutes_before), vitals=Vitals(**vitals))


def _history() -> tuple[ReportInput, ...]:
    # A day of 4-hourly check-ins, newest first, as the service would pass for an acute patient.
    return tuple(
        ReportInput(
            recorded_at=T0 - timedelta(hours=4 * i),
            vitals=Vitals(temperature_c=37.1, heart_rate=88, systolic_bp=118, spo2=97),
            symptoms=QUIET_SYMPTOMS,
            neuro=Neuro(ice=FULL_ICE),
        )
        for i in range(1, 7)
    )


def scenarios() -> list[tuple[ReportInput, PatientContext]]:
    history = _history()
    acute = PatientContext(
        "yescarta", "CD19", 5, "US", Baseline(systolic_bp=124, heart_rate=80, spo2=98, ice_score=10), history
    )
    carvykti = PatientContext(
        "carvykti", "BCMA", 60, "US", Baseline(systolic_bp=130, ice_score=10, weight_kg=78), history
    )
    late = PatientContext("kymriah", "CD19", 9, "US", Baseline(), history, received_at=T0 + timedelta(hours=30))
    quiet = ReportInput(
        recorded_at=T0,
        vitals=Vitals(temperature_c=36.9, heart_rate=84, systolic_bp=120, diastolic_bp=74, spo2=97, weight_kg=77),
        symptoms=QUIET_SYMPTOMS,
        neuro=Neuro(confusion=False, tremor=False, seizure=False, ice=FULL_ICE),
        signs=Signs(breathless_at_rest=False),
    )
    fever = ReportInput(
        recorded_at=T0,
        vitals=Vitals(temperature_c=38.6, heart_rate=118, systolic_bp=96, spo2=94),
        symptoms={**QUIET_SYMPTOMS, "chills": 3},
        antipyretic_in_last_6h=True,
    )
    neuro = ReportInput(
        recorded_at=T0,
        vitals=Vitals(temperature_c=37.6, heart_rate=92),
        neuro=Neuro(word_finding_difficulty=True, handwriting_changed=True, ice=IceParts(3, 3, 1, 0, 1)),
    )
    emergency = ReportInput(
        recorded_at=T0,
        vitals=Vitals(temperature_c=39.2, heart_rate=134, systolic_bp=78, spo2=88),
        neuro=Neuro(hard_to_wake=True, ice_unable=True),
        signs=Signs(blue_lips=True),
    )
    gut = ReportInput(
        recorded_at=T0,
        vitals=Vitals(weight_kg=73.5),
        symptoms={**QUIET_SYMPTOMS, "diarrhea": 3, "abdominal_pain": 3},
        neuro=Neuro(slowness_or_shuffling=True),
    )
    # Weighted towards what a real day looks like: mostly quiet check-ins.
    return [
        (quiet, acute),
        (quiet, acute),
        (quiet, carvykti),
        (quiet, acute),
        (fever, acute),
        (neuro, acute),
        (emergency, acute),
        (gut, carvykti),
        (fever, late),
        (_report(temperature_c=37.7, heart_rate=104), acute),
    ]


def run(seconds: float) -> tuple[int, float, float, dict[Level, int]]:
    """Assess the mix for `seconds` of this process's CPU time: (count, cpu s, wall s, levels).

    CPU time, not wall time, is the budget: on a shared machine other processes steal the core
    and a wall-clock rate would measure them, not the engine.
    """
    cases = scenarios()
    thresholds = Thresholds()
    languages = [
        InstructionContext("en", "+1 555 0100", "Yescarta", "2 Nov 2026"),
        InstructionContext("es", "+1 555 0100", "Yescarta", "2 nov 2026"),
    ]
    levels = dict.fromkeys(Level, 0)
    done = 0
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    while time.process_time() - cpu_start < seconds:
        for i, (report, ctx) in enumerate(cases):
            assessment = assess(report, ctx, thresholds)
            render_instructions(assessment, languages[i & 1])
            levels[assessment.level] += 1
        done += len(cases)
    return done, time.process_time() - cpu_start, time.perf_counter() - wall_start, levels


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    run(0.2)  # warm the translation cache and the interpreter
    done, cpu, wall, levels = run(seconds)
    mix = ", ".join(f"{level.label} {count}" for level, count in levels.items())
    print(f"{done / cpu:,.0f} assessments/s of CPU time on one core ({done / wall:,.0f}/s wall clock)")
    print(f"{done:,} assess + render_instructions in {cpu:.2f} s CPU; levels: {mix}")


if __name__ == "__main__":
    main()
