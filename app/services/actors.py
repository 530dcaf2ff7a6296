"""Who is calling, whichever door they came in by: a bearer token (the API) or a signed-in
session holding one of the same tokens (the web pages)."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import ApiToken, Patient, StaffUser
from app.services.tokens import find_live_token

STAFF_ROLES = ("admin", "clinician", "nurse")


@dataclass
class Actor:
    token: ApiToken
    staff: StaffUser | None = None
    patient: Patient | None = None
    # The patient's row is locked FOR UPDATE in this transaction (`requires(lock_patient=True)`).
    patient_locked: bool = False

    @property
    def kind(self) -> str:
        if self.patient is not None:
            return "patient"
        assert self.staff is not None  # noqa: S101 - an actor is a patient or a staff member
        return self.staff.role

    @property
    def audit_type(self) -> str:
        return "patient" if self.patient is not None else "staff"

    @property
    def id(self) -> int:
        if self.patient is not None:
            return self.patient.id
        assert self.staff is not None  # noqa: S101 - an actor is a patient or a staff member
        return self.staff.id


def staff_actor(raw_token: str) -> Actor | None:
    """The active staff member holding this token (a web session's), or None."""
    row = find_live_token(raw_token)
    if row is None or row.staff_id is None:
        return None
    staff = db.session.get(StaffUser, row.staff_id)
    if staff is None or not staff.active:
        return None
    return Actor(token=row, staff=staff)
