"""Bearer tokens: opaque random strings; the database keeps only their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import ApiToken

PREFIX = "vg_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(*, staff_id: int | None = None, patient_id: int | None = None,
                lifetime: timedelta) -> tuple[str, ApiToken]:
    raw = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=hash_token(raw), staff_id=staff_id, patient_id=patient_id,
                   expires_at=utcnow() + lifetime)
    db.session.add(row)
    return raw, row


def find_live_token(raw: str) -> ApiToken | None:
    """The token row if it exists, is not revoked and has not expired."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def revoke(row: ApiToken) -> None:
    row.revoked_at = row.revoked_at or utcnow()
