"""The patient's app as a push target: registered on sign-in, dropped on sign-out,
re-enrollment, token revocation, or when FCM says the token is gone. Without a device every
message goes by SMS as before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from app.db import rowcount
from app.extensions import db
from app.models import Device, Patient
from app.services import audit


def device_of(patient_id: int) -> Device | None:
    return db.session.scalar(select(Device).where(Device.patient_id == patient_id))


def register(patient: Patient, *, platform: str, token: str, app_version: str, now: datetime) -> Device:
    """One device per patient: the phone that registered last (a new phone replaces the old)."""
    device = device_of(patient.id)
    if device is None:
        device = Device(patient_id=patient.id)
        db.session.add(device)
    device.platform, device.token, device.app_version = platform, token, app_version
    device.registered_at, device.last_push_at = now, None
    audit.record(
        "device.register",
        patient_id=patient.id,
        target_type="patient",
        target_id=patient.id,
        details={"platform": platform, "app_version": app_version},
    )
    return device


def drop(patient_id: int, reason: str, *, token: str | None = None) -> bool:
    """Forget the patient's device (only if it still has `token`, when given: a device the app
    re-registered meanwhile with a fresh token stays). True if one was dropped."""
    query = delete(Device).where(Device.patient_id == patient_id)
    if token is not None:
        query = query.where(Device.token == token)
    dropped = rowcount(db.session.execute(query.execution_options(synchronize_session="fetch"))) == 1
    if dropped:
        audit.record(
            "device.drop",
            patient_id=patient_id,
            target_type="patient",
            target_id=patient_id,
            details={"reason": reason},
        )
    return dropped


def reachability(patient_id: int) -> dict:
    """What staff see on the patient page: can a push reach the app, and since when."""
    device = device_of(patient_id)
    if device is None:
        return {"reachable": False}
    return {
        "reachable": True,
        "platform": device.platform,
        "app_version": device.app_version,
        "registered_at": device.registered_at,
        "last_push_at": device.last_push_at,
    }
