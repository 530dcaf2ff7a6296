"""Demo reports, recorded through the same service as the app's, so they open real alerts.

Times are offsets from each patient's stored infusion time, and client_ids are derived from the
patient and the offset: a second `flask demo` finds the same reports instead of adding twins.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from app.models import Patient
from app.services.reports import record_report
from app.timesource import utcnow

NORMAL = {"temperature_c": 36.8, "heart_rate": 78, "systolic_bp": 122, "diastolic_bp": 76, "spo2": 98}
FULL_ICE = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}


def _routine(hours: float, temperature: float = 36.8) -> tuple[float, dict]:
    return hours, {"vitals": {**NORMAL, "temperature_c": temperature}, "neuro": {"ice": FULL_ICE}}


# Per demo MRN: (hours after infusion, report blocks). The last one of a patient is the newest.
STORIES = {
    "DEMO-1001": [
        _routine(6),
        _routine(20, 37.2),
        _routine(30, 37.6),
        (
            50.5,
            {
                "vitals": {
                    "temperature_c": 38.6,
                    "heart_rate": 112,
                    "systolic_bp": 104,
                    "diastolic_bp": 66,
                    "spo2": 96,
                },
                "symptoms": {"chills": 2, "fatigue": 2},
            },
        ),
    ],
    "DEMO-1002": [_routine(h, 36.6 + (h % 5) / 10) for h in (30, 78, 126, 150, 174, 198, 209)],
    "DEMO-1003": [_routine(h) for h in (200, 320, 420)]
    + [
        (
            476,
            {"vitals": NORMAL, "neuro": {"handwriting_changed": True, "slowness_or_shuffling": True, "ice": FULL_ICE}},
        )
    ],
    "DEMO-1004": [_routine(h) for h in (500, 700, 900, 1070)],
}


def _client_id(mrn: str, hours: float) -> str:
    return hashlib.sha256(f"demo:{mrn}:{hours}".encode()).hexdigest()[:32]


def add_demo_reports(patients: list[Patient]) -> None:
    now = utcnow()
    for patient in patients:
        for hours, blocks in STORIES.get(patient.mrn, []):
            recorded = patient.infused_at + timedelta(hours=hours)
            if recorded > now:
                continue
            record_report(
                patient,
                {
                    "client_id": _client_id(patient.mrn, hours),
                    "recorded_at": recorded,
                    "reported_by": "caregiver",
                    **blocks,
                },
                source="app",
            )
