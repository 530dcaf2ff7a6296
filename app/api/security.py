"""Who is calling: bearer-token authentication and per-endpoint role checks.

Views declare who may call them with `@requires("clinician", "nurse")` or `@requires("patient")`.
A missing, unknown, expired or revoked token is 401; a valid token of the wrong kind is 403.
Centre scoping is app/services/access.py's, which views call (`load_patient_for_staff()` here).
"""

from __future__ import annotations

from functools import wraps

from flask import g, request

from app.api.errors import ApiError
from app.db.dialect import is_postgres
from app.models import Patient, PatientStatus, StaffUser
from app.services import audit
from app.services.access import patient_for_staff
from app.services.actors import STAFF_ROLES, Actor
from app.services.tokens import find_live_patient_token_locking, find_live_token_with_holder


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate(*, lock_patient: bool = False) -> Actor:
    raw = _bearer()
    if raw and lock_patient and is_postgres():
        locked = find_live_patient_token_locking(raw)
        if locked is not None and locked[1].status != PatientStatus.WITHDRAWN:
            return Actor(token=locked[0], patient=locked[1], patient_locked=True)
        # Anything else (a staff token, an unknown one) is answered as below.
    # One statement: the token, and its patient with centre and protocol, or its staff member.
    found = find_live_token_with_holder(raw) if raw else None
    if found is None:
        raise ApiError(401, "A valid bearer token is required.", headers={"WWW-Authenticate": 'Bearer realm="vigil"'})
    row, patient, staff = found
    if row.staff_id is not None:
        if staff is None or not staff.active:
            raise ApiError(401, "This account is disabled.")
        return Actor(token=row, staff=staff)
    if patient is None or patient.status == PatientStatus.WITHDRAWN:
        raise ApiError(401, "This enrollment is no longer active.")
    return Actor(token=row, patient=patient)


def requires(*kinds: str, lock_patient: bool = False):
    """Allow only these actor kinds: "patient", "admin", "clinician", "nurse", or "staff" (all three).

    `lock_patient`: on PostgreSQL a patient's row is locked FOR UPDATE by the authenticating
    statement itself, for views that would lock it anyway (recording a report); the actor says so
    in `patient_locked`."""
    allowed = set(STAFF_ROLES if "staff" in kinds else ()) | set(kinds) - {"staff"}

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = authenticate(lock_patient=lock_patient)
            if actor.kind not in allowed:
                raise ApiError(403, "Your role may not use this endpoint.")
            g.actor = actor
            result = view(*args, **kwargs)
            if audit.is_platform_read():
                audit.platform_read()
            return result

        apidoc = dict(getattr(wrapper, "_apidoc", {}))
        manual = dict(apidoc.get("manual_doc", {}))
        manual["security"] = [{"bearerAuth": []}]
        apidoc["manual_doc"] = manual
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]  # smorest reads it
        return wrapper

    return decorator


def current_actor() -> Actor:
    return g.actor


def current_patient() -> Patient:
    """The calling patient, in a view that `requires("patient")`."""
    patient = current_actor().patient
    if patient is None:  # requires("patient") lets no one else in
        raise ApiError(403, "Your role may not use this endpoint.")
    return patient


def current_staff() -> StaffUser:
    return g.actor.staff


def load_patient_for_staff(patient_id: int) -> Patient:
    """The patient if the calling staff member may see its centre; 404 otherwise (app/services/access.py)."""
    return patient_for_staff(current_staff(), patient_id)
