"""Value types that go in and out of the rules engine.

Everything is a frozen dataclass so an assessment can be replayed from a stored snapshot and
nothing in the engine can mutate the caller's data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import IntEnum
from typing import Any

_LABELS = ("routine", "same_day", "urgent", "emergency")


class Level(IntEnum):
    """Action levels (docs/clinical-rules.md A1), ordered so that max() gives the most serious."""

    ROUTINE = 0
    SAME_DAY = 1
    URGENT = 2
    EMERGENCY = 3

    @property
    def label(self) -> str:
        return _LABELS[self.value]

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """The stored labels, least serious first: the one list of levels (models, schemas, protocols)."""
        return _LABELS

    @classmethod
    def rank(cls, label: object) -> int:
        """A stored label's rank for sorting; an unknown or missing label ranks as routine (0)."""
        return _LABELS.index(label) if label in _LABELS else 0

    @classmethod
    def from_label(cls, label: str) -> Level:
        try:
            return cls(_LABELS.index(label))
        except ValueError:
            raise ValueError(f"unknown level {label!r}; expected one of {', '.join(_LABELS)}") from None


def fahrenheit_to_celsius(temperature_f: float) -> float:
    """The engine works in °C only (docs/clinical-rules.md T1: convert before the rules)."""
    return (temperature_f - 32.0) * 5.0 / 9.0


@dataclass(frozen=True, slots=True)
class Vitals:
    temperature_c: float | None = None
    heart_rate: float | None = None
    systolic_bp: float | None = None
    diastolic_bp: float | None = None
    spo2: float | None = None
    respiratory_rate: float | None = None
    weight_kg: float | None = None


# The vitals a report can answer "can't measure" (R12, docs/clinical-rules.md); blood_pressure
# covers both systolic and diastolic (one cuff reading).
NOT_MEASURABLE = ("temperature", "heart_rate", "blood_pressure", "spo2", "respiratory_rate", "weight")

# ASTCT 2019 ICE: maximum points per domain (docs/clinical-rules.md S2).
ICE_MAXIMA = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}


@dataclass(frozen=True, slots=True)
class IceParts:
    """A caregiver-administered ICE test (R10, S2), 0–10 in total."""

    orientation: int
    naming: int
    commands: int
    writing: int
    attention: int

    def __post_init__(self) -> None:
        # A bad part would silently shift the score across an ICANS band, so refuse it.
        for name, maximum in ICE_MAXIMA.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
                raise ValueError(f"ICE {name} must be an integer 0–{maximum}, got {value!r}")

    @property
    def score(self) -> int:
        return self.orientation + self.naming + self.commands + self.writing + self.attention


@dataclass(frozen=True, slots=True)
class Neuro:
    """Caregiver neuro checklist; None = not asked, False = asked and absent."""

    confusion: bool | None = None
    word_finding_difficulty: bool | None = None
    handwriting_changed: bool | None = None
    tremor: bool | None = None
    excessive_sleepiness: bool | None = None
    severe_headache: bool | None = None
    seizure: bool | None = None
    hard_to_wake: bool | None = None
    facial_droop_or_weakness: bool | None = None
    fainted: bool | None = None
    agitation: bool | None = None
    slowness_or_shuffling: bool | None = None
    reduced_facial_expression: bool | None = None
    personality_change: bool | None = None
    limb_numbness_or_weakness: bool | None = None
    # Follow-up to limb_numbness_or_weakness: True = one side of the body only (R11), False = both
    # sides, None = not known. Unknown is never read as "both sides" (docs/clinical-rules.md R9, R11).
    limb_weakness_one_side: bool | None = None
    speech_understanding_difficulty: bool | None = None
    hallucinations: bool | None = None
    ice: IceParts | None = None
    # "Could not do the test": ASTCT scores such a patient 0 (R10b: ICANS grade 4).
    ice_unable: bool | None = None

    @property
    def ice_score(self) -> int | None:
        if self.ice_unable:
            return 0
        return self.ice.score if self.ice is not None else None


@dataclass(frozen=True, slots=True)
class Signs:
    """Observed danger signs (report block "signs")."""

    breathless_at_rest: bool | None = None
    blue_lips: bool | None = None
    cannot_speak_full_sentences: bool | None = None
    unable_to_stand: bool | None = None
    heavy_bleeding: bool | None = None
    blood_in_stool: bool | None = None


SYMPTOM_KEYS = (
    "chills",
    "headache",
    "dizziness",
    "shortness_of_breath",
    "nausea",
    "diarrhea",
    "abdominal_pain",
    "fatigue",
    "bleeding_or_bruising",
)


@dataclass(frozen=True, slots=True)
class ReportInput:
    """One report; symptom answers are 0–4 on the PRO-CTCAE scales (docs/clinical-rules.md S2)."""

    recorded_at: datetime
    vitals: Vitals = field(default_factory=Vitals)
    symptoms: Mapping[str, int] = field(default_factory=dict)
    neuro: Neuro = field(default_factory=Neuro)
    signs: Signs = field(default_factory=Signs)
    antipyretic_in_last_6h: bool = False
    # Vitals answered "can't measure", distinct from not asked: a name from
    # NOT_MEASURABLE. Such a vital has no value; R12 counts a missing temperature either way.
    not_measured: frozenset[str] = frozenset()

    def symptom(self, key: str) -> int:
        """Unanswered counts as 0: a missing answer must not raise and cannot fire a rule."""
        return self.symptoms.get(key) or 0


# An earlier report carries exactly the same data as the current one.
PriorReading = ReportInput


@dataclass(frozen=True, slots=True)
class Baseline:
    """Day-0 baseline (R20); any part may be missing."""

    systolic_bp: float | None = None
    heart_rate: float | None = None
    spo2: float | None = None
    ice_score: int | None = None
    weight_kg: float | None = None


@dataclass(frozen=True, slots=True)
class PatientContext:
    """What the engine knows about the patient; the caller computes every clock-derived value."""

    product: str
    target: str
    day_after_infusion: int
    jurisdiction: str
    baseline: Baseline = field(default_factory=Baseline)
    # Newest first; reports recorded at or after the current one are ignored.
    recent: Sequence[ReportInput] = ()
    received_at: datetime | None = None
    # Zone that defines a calendar day for "on N distinct days" (R14); None = the zone of each
    # report's own recorded_at.
    local_tz: tzinfo | None = None
    # R12 (vitals not measured): the latest temperature before this report, however old, and
    # since when the patient has been monitored at home (the later of infusion and enrollment).
    last_temperature_at: datetime | None = None
    monitoring_since: datetime | None = None

    @property
    def is_bcma(self) -> bool:
        return self.target.strip().upper() == "BCMA"

    @property
    def product_key(self) -> str:
        return self.product.strip().lower()


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    level: Level
    summary: str
    thresholds: Mapping[str, float] = field(default_factory=dict)
    # Set by rules that ask the patient to measure again before deciding (R2, R5a).
    recheck_in_minutes: int | None = None
    # Set on every finding of a late report (L1): minutes between recording and receipt.
    late_by_minutes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "rule": self.rule,
            "level": self.level.label,
            "summary": self.summary,
            "thresholds": dict(self.thresholds),
            "recheck_in_minutes": self.recheck_in_minutes,
        }
        if self.late_by_minutes is not None:
            out["late_by_minutes"] = self.late_by_minutes
        return out


@dataclass(frozen=True, slots=True)
class Lateness:
    """How late a report arrived (L1), measured by the server's receipt time."""

    minutes: int
    # Older than late_report_relevance_hours: the team must learn whether it is still going on.
    stale: bool
    # The assessment's level had the report arrived on time.
    level_when_recorded: Level

    def to_dict(self) -> dict[str, Any]:
        return {"minutes": self.minutes, "stale": self.stale, "level_when_recorded": self.level_when_recorded.label}


@dataclass(frozen=True, slots=True)
class Assessment:
    level: Level
    findings: tuple[Finding, ...]
    ice_score: int | None
    recheck_in_minutes: int | None
    fever_may_be_masked: bool
    late: Lateness | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "level": self.level.label,
            "findings": [f.to_dict() for f in self.findings],
            "ice_score": self.ice_score,
            "recheck_in_minutes": self.recheck_in_minutes,
            "fever_may_be_masked": self.fever_may_be_masked,
        }
        if self.late is not None:
            out["late"] = self.late.to_dict()
        return out
