"""A Flag for the CAR T monitoring window (a banner, with status and period)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.fhir.common import concept, instant, meta, patient_ref, ref, vigil_coding
from app.fhir.patient import organization_id
from app.models import PRODUCT_DISPLAY, Patient, PatientStatus, Protocol
from app.services.baseline import baseline_notice
from app.services.restrictions import Restrictions, compute_restrictions, local_infusion_date

FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"


def flag_id(patient_id: int) -> str:
    return f"flag-window-{patient_id}"


def window_of(patient: Patient, protocol: Protocol) -> Restrictions:
    return compute_restrictions(patient.infused_at, patient.timezone, protocol.settings.restrictions)


def last_monitored_day(patient: Patient, window: Restrictions) -> date:
    """The last local day of the window (monitoring_ends_at is the midnight after it)."""
    return window.monitoring_ends_at.astimezone(ZoneInfo(patient.timezone)).date() - timedelta(days=1)


def _text(patient: Patient, window: Restrictions) -> str:
    # No "day N" here: the text would change daily without any row changing (and so `_since`).
    infused = local_infusion_date(patient.infused_at, patient.timezone)
    last_day = last_monitored_day(patient, window)
    return (
        f"CAR T-cell therapy: {PRODUCT_DISPLAY[patient.product]} ({patient.target}) infused "
        f"{infused.isoformat()}; home monitoring through {last_day.isoformat()}"
    )


def monitoring_flag(patient: Patient, protocol: Protocol, now: datetime) -> dict:
    window = window_of(patient, protocol)
    ended = now >= window.monitoring_ends_at
    return {
        "resourceType": "Flag",
        "id": flag_id(patient.id),
        # The flag changes by itself when the window ends; that instant is its last update.
        # (A status change by staff has no stored time: Patient has no updated_at.)
        "meta": meta(window.monitoring_ends_at if ended else patient.created_at),
        "status": "active" if patient.status == PatientStatus.ACTIVE and not ended else "inactive",
        "category": [concept({"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"})],
        "code": concept(
            vigil_coding("car-t-monitoring-window", "In CAR T-cell therapy monitoring window"),
            text=_text(patient, window),
        ),
        "subject": patient_ref(patient.id),
        "period": {"start": instant(patient.infused_at), "end": instant(window.monitoring_ends_at)},
        "author": ref("Organization", organization_id(patient.center_id)),
    }


def baseline_flag(patient: Patient) -> dict | None:
    """R20: a banner when relative rules are off for want of a day-0 baseline."""
    notice = baseline_notice(patient)
    if notice is None:
        return None
    return {
        "resourceType": "Flag",
        "id": f"flag-baseline-{patient.id}",
        # The baseline has no stored change time; enrollment is the best instant we hold.
        "meta": meta(patient.created_at),
        "status": "active",
        "category": [concept({"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"})],
        "code": concept(vigil_coding("relative-rules-off", "Relative rules off: no baseline"), text=notice),
        "subject": patient_ref(patient.id),
        "author": ref("Organization", organization_id(patient.center_id)),
    }
