"""One-time enrollment codes that a patient's phone trades for a bearer token.

A code reads `LOOKUP-SECRET`. The lookup part finds the row so that wrong secrets count against
that enrollment: after five wrong tries in a row it is locked, even for the right secret, and the
team issues a new one. Codes expire after 72 hours and work once; using one revokes every token
the patient held before (the phone it replaces).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.db import rowcount
from app.extensions import db
from app.models import ApiToken, EnrollmentCode, Patient
from app.services import devices
from app.services.errors import ForbiddenError, NotAuthenticatedError
from app.services.tokens import issue_token
from app.timesource import utcnow

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
LOOKUP_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


@dataclass
class IssuedCode:
    code: str
    expires_at: datetime


def _hash_secret(lookup: str, secret: str) -> str:
    return hashlib.sha256(f"{lookup}:{secret}".encode()).hexdigest()


def issue_code(patient: Patient) -> IssuedCode:
    """A fresh code for the patient; earlier unused codes stop working."""
    now = utcnow()
    db.session.execute(
        update(EnrollmentCode)
        .where(EnrollmentCode.patient_id == patient.id, EnrollmentCode.used_at.is_(None))
        .values(expires_at=now)
    )
    lookup = "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(5))
    secret = f"{secrets.randbelow(10**6):06d}"
    expires = now + timedelta(hours=current_app.config["ENROLLMENT_CODE_HOURS"])
    db.session.add(
        EnrollmentCode(
            patient_id=patient.id, lookup=lookup, secret_hash=_hash_secret(lookup, secret), expires_at=expires
        )
    )
    return IssuedCode(code=f"{lookup}-{secret}", expires_at=expires)


def _split(code: str) -> tuple[str, str]:
    lookup, _, secret = code.strip().upper().replace(" ", "").partition("-")
    return lookup, secret


def redeem(code: str) -> tuple[Patient, str, datetime]:
    """Trade a code for a patient token, or raise ApiError (401 wrong/expired, 403 locked)."""
    lookup, secret = _split(code)
    row = db.session.scalar(select(EnrollmentCode).where(EnrollmentCode.lookup == lookup))
    if row is None:
        raise NotAuthenticatedError("This enrollment code is not valid.", code="invalid_code")
    if row.wrong_tries >= current_app.config["ENROLLMENT_MAX_WRONG_TRIES"]:
        raise ForbiddenError("Too many wrong tries: ask your care team for a new code.", code="code_locked")
    if not hmac.compare_digest(row.secret_hash, _hash_secret(lookup, secret)):
        row.wrong_tries += 1
        db.session.commit()
        raise NotAuthenticatedError("This enrollment code is not valid.", code="invalid_code")
    if row.used_at is not None or row.expires_at <= utcnow():
        raise NotAuthenticatedError(
            "This enrollment code has expired or was used: ask your care team for a new one.", code="code_expired"
        )
    # Compare-and-set so two phones racing with one code cannot both enroll.
    claimed = rowcount(
        db.session.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.id == row.id, EnrollmentCode.used_at.is_(None))
            .values(used_at=utcnow())
        )
    )
    if claimed != 1:
        raise NotAuthenticatedError("This enrollment code was already used.", code="code_expired")
    # A new code is issued when a phone is lost or replaced: once it is used, no earlier phone
    # keeps the patient's record (a lost phone used to keep working for its token's 120 days),
    # and the old device's push token is stale.
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.patient_id == row.patient_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    devices.drop(row.patient_id, "re_enrolled")
    lifetime = timedelta(days=current_app.config["PATIENT_TOKEN_DAYS"])
    raw, token = issue_token(patient_id=row.patient_id, lifetime=lifetime)
    return row.patient, raw, token.expires_at
