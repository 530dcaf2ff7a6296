"""Vital-sign and ICE Observations of one report (docs/clinical-rules.md F1).

Each measurement is its own Observation with the R4 core vital-signs profile, LOINC code and
UCUM unit; blood pressure is the 85354-9 panel with systolic/diastolic components; SpO2 carries
both 2708-6 and 59408-5 as US Core's pulse-oximetry profile does. The US Core profile itself is
not claimed: it needs a US Core Patient (gender, ...) that Vigil does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.fhir.common import (
    DATA_ABSENT,
    LOINC,
    OBSERVATION_CATEGORY,
    UCUM,
    concept,
    instant,
    meta,
    patient_ref,
    vigil_coding,
)
from app.models import Report

CORE = "http://hl7.org/fhir/StructureDefinition"
VITAL_SIGNS = concept({"system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs"})
SURVEY = concept({"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"})


@dataclass(frozen=True)
class Vital:
    """One single-valued vital sign: where it is stored and how FHIR names it."""

    key: str  # id fragment: obs-<key>-<report id>
    column: str
    codings: tuple[tuple[str, str], ...]  # LOINC (code, display); the first is the profile's
    unit: str  # UCUM code
    unit_display: str
    profile: str
    decimals: int = 1


VITALS = (
    Vital("temp", "temperature_c", (("8310-5", "Body temperature"),), "Cel", "°C", "bodytemp", decimals=2),
    Vital("hr", "heart_rate", (("8867-4", "Heart rate"),), "/min", "beats/minute", "heartrate"),
    Vital("rr", "respiratory_rate", (("9279-1", "Respiratory rate"),), "/min", "breaths/minute", "resprate"),
    Vital(
        "spo2",
        "spo2",
        (
            ("2708-6", "Oxygen saturation in Arterial blood"),
            ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ),
        "%",
        "%",
        "oxygensat",
    ),
    Vital("weight", "weight_kg", (("29463-7", "Body weight"),), "kg", "kg", "bodyweight", decimals=2),
)
BP_PANEL = ("85354-9", "Blood pressure panel with all children optional")
BP_PARTS = (
    ("systolic_bp", "8480-6", "Systolic blood pressure"),
    ("diastolic_bp", "8462-4", "Diastolic blood pressure"),
)
ICE_DOMAINS = {
    "orientation": "ICE orientation (0-4)",
    "naming": "ICE naming (0-3)",
    "commands": "ICE following commands (0-1)",
    "writing": "ICE writing (0-1)",
    "attention": "ICE attention (0-1)",
}


def observation_id(key: str, report_id: int) -> str:
    return f"obs-{key}-{report_id}"


def _loinc(code: str, display: str) -> dict:
    return {"system": LOINC, "code": code, "display": display}


def _quantity(value: float, unit: str, unit_display: str, decimals: int = 1) -> dict:
    return {"value": round(value, decimals), "unit": unit_display, "system": UCUM, "code": unit}


def _performer(report: Report) -> dict:
    # Who took the reading at home; a caregiver has no resource of its own in this export.
    return patient_ref(report.patient_id) if report.reported_by == "patient" else {"display": "Caregiver"}


def _observation(report: Report, key: str, code: dict, category: dict, profile: str | None) -> dict:
    profiles = (f"{CORE}/vitalsigns", f"{CORE}/{profile}") if profile else ()
    return {
        "resourceType": "Observation",
        "id": observation_id(key, report.id),
        "meta": meta(report.received_at, *profiles),  # reports are immutable once received
        "status": "final",
        "category": [category],
        "code": code,
        "subject": patient_ref(report.patient_id),
        "effectiveDateTime": instant(report.recorded_at),
        "issued": instant(report.received_at),
        "performer": [_performer(report)],
    }


def _temperature_notes(report: Report) -> list[dict]:
    notes = []
    if report.temperature_unit == "F" and report.temperature_raw is not None:
        notes.append({"text": f"Entered as {report.temperature_raw:g} °F; converted to °C."})
    if report.antipyretic_in_last_6h:
        notes.append({"text": "Antipyretic taken in the 6 hours before this reading: fever may be masked."})
    return notes


# Observation key → the report's not_measured name.
NOT_MEASURED_NAME = {
    "temp": "temperature",
    "hr": "heart_rate",
    "rr": "respiratory_rate",
    "spo2": "spo2",
    "weight": "weight",
    "bp": "blood_pressure",
}


def _cant_measure() -> dict:
    # "Can't measure" was an answer: the measurement was not performed, which is not "not asked".
    return concept(
        {"system": DATA_ABSENT, "code": "not-performed", "display": "Not Performed"},
        text="Can't measure (answered so at home)",
    )


def _not_measured(report: Report, key: str) -> bool:
    return NOT_MEASURED_NAME[key] in (report.not_measured or ())


def _single(report: Report, vital: Vital) -> dict | None:
    value = getattr(report, vital.column)
    if value is None and not _not_measured(report, vital.key):
        return None
    code = concept(*(_loinc(c, d) for c, d in vital.codings), text=vital.codings[0][1])
    observation = _observation(report, vital.key, code, VITAL_SIGNS, vital.profile)
    if value is None:
        observation["dataAbsentReason"] = _cant_measure()
        return observation
    observation["valueQuantity"] = _quantity(value, vital.unit, vital.unit_display, vital.decimals)
    if vital.key == "temp" and (notes := _temperature_notes(report)):
        observation["note"] = notes
    return observation


def _bp_component(report: Report, column: str, code: str, display: str) -> dict:
    component: dict = {"code": concept(_loinc(code, display), text=display)}
    value = getattr(report, column)
    if value is None and _not_measured(report, "bp"):
        component["dataAbsentReason"] = _cant_measure()
    elif value is None:
        # The BP profile requires both components; say why one is missing instead of dropping it.
        component["dataAbsentReason"] = concept({"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"})
    else:
        component["valueQuantity"] = _quantity(value, "mm[Hg]", "mmHg", 0)
    return component


def _blood_pressure(report: Report) -> dict | None:
    if report.systolic_bp is None and report.diastolic_bp is None and not _not_measured(report, "bp"):
        return None
    observation = _observation(report, "bp", concept(_loinc(*BP_PANEL), text="Blood pressure"), VITAL_SIGNS, "bp")
    observation["component"] = [_bp_component(report, *part) for part in BP_PARTS]
    return observation


def _ice(report: Report) -> dict | None:
    unable = bool((report.neuro or {}).get("ice_unable"))
    if report.ice_score is None and not unable:
        return None
    code = concept(
        vigil_coding("ice-score", "ICE score (Immune effector Cell-associated Encephalopathy)"),
        text="ICE score (0-10), caregiver-administered at home",
    )
    observation = _observation(report, "ice", code, SURVEY, None)
    if report.ice_score is not None:
        observation["valueInteger"] = report.ice_score
    else:
        observation["dataAbsentReason"] = concept(
            vigil_coding("ice-unable", "Could not do the ICE test"), text="The patient could not do the ICE test"
        )
    parts = (report.neuro or {}).get("ice") or {}
    if parts:
        observation["component"] = [
            {"code": concept(vigil_coding(f"ice-{name}", label)), "valueInteger": parts[name]}
            for name, label in ICE_DOMAINS.items()
            if name in parts
        ]
    # S2: home ICE is not validated; the reader must know how it was obtained.
    observation["note"] = [{"text": "Caregiver-administered at home; ICE is validated only in clinical use."}]
    return observation


def report_observations(report: Report) -> list[dict]:
    """Every Observation one report yields, in a stable order (vitals, BP, ICE)."""
    built = [_single(report, v) for v in VITALS[:3]] + [_blood_pressure(report)]
    built += [_single(report, v) for v in VITALS[3:]] + [_ice(report)]
    return [o for o in built if o is not None]
