"""Bearer tokens: opaque random strings; the database keeps only their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ApiToken, Patient, StaffUser
from app.services.devices import drop
from app.timesource import utcnow

PREFIX = "vg_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    *, staff_id: int | None = None, patient_id: int | None = None, lifetime: timedelta
) -> tuple[str, ApiToken]:
    raw = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=hash_token(raw), staff_id=staff_id, patient_id=patient_id, expires_at=utcnow() + lifetime)
    db.session.add(row)
    return raw, row


def _plausible(raw: str) -> bool:
    return raw.startswith(PREFIX) and len(raw) <= 100


def _live(row: ApiToken | None) -> bool:
    return row is not None and row.revoked_at is None and row.expires_at > utcnow()


def find_live_token(raw: str) -> ApiToken | None:
    """The token row if it exists, is not revoked and has not expired."""
    if not _plausible(raw):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    return row if _live(row) else None


# The token with whoever holds it, in one statement: a patient comes with the centre and protocol
# every patient request needs (authentication was two queries before the work began).
_WITH_HOLDER = (
    select(ApiToken, Patient, StaffUser)
    .outerjoin(Patient, ApiToken.patient_id == Patient.id)
    .outerjoin(StaffUser, ApiToken.staff_id == StaffUser.id)
    .options(joinedload(Patient.center), joinedload(Patient.protocol))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def find_live_token_with_holder(raw: str) -> tuple[ApiToken, Patient | None, StaffUser | None] | None:
    """`find_live_token`, and the token's patient (with centre and protocol) or staff member, or
    None for a holder that no longer exists."""
    if not _plausible(raw):
        return None
    found = db.session.execute(_WITH_HOLDER, {"token_hash": hash_token(raw)}).first()
    if found is None or not _live(found[0]):
        return None
    return found[0], found[1], found[2]


# A patient's token with the patient row locked until the transaction ends (FOR UPDATE OF
# patients): a report takes that lock anyway, and taking it here saves its own statement.
_PATIENT_LOCKED = (
    select(ApiToken, Patient)
    .join(Patient, ApiToken.patient_id == Patient.id)
    .options(joinedload(Patient.center), joinedload(Patient.protocol))
    .where(ApiToken.token_hash == bindparam("token_hash"))
    .with_for_update(of=Patient.__table__)
)


def find_live_patient_token_locking(raw: str) -> tuple[ApiToken, Patient] | None:
    """A live patient token and its patient (with centre and protocol), the patient's row locked
    FOR UPDATE. None for anything else (a staff token too): `find_live_token_with_holder` then
    tells which answer that deserves."""
    if not _plausible(raw):
        return None
    found = db.session.execute(_PATIENT_LOCKED, {"token_hash": hash_token(raw)}).first()
    if found is None or not _live(found[0]):
        return None
    return found[0], found[1]


def revoke(row: ApiToken) -> None:
    row.revoked_at = row.revoked_at or utcnow()
    if row.patient_id is not None:
        # The app signed in with this token can no longer answer a push: stop sending to it.
        drop(row.patient_id, "token_revoked")
