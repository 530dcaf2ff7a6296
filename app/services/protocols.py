"""Protocol lookup and the shipped defaults' synchronisation."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Protocol
from app.protocols.sync import sync_shipped_protocols


def latest_version(family: str) -> Protocol | None:
    return db.session.scalar(
        select(Protocol).where(Protocol.family == family).order_by(Protocol.version.desc()).limit(1)
    )


def sync_default_protocols() -> list[str]:
    """Make the database hold the shipped defaults (see app.protocols.sync)."""
    return sync_shipped_protocols(db.session.connection())


def default_protocol_for(product: str, jurisdiction: str) -> Protocol | None:
    rows = db.session.scalars(
        select(Protocol).where(Protocol.is_default.is_(True), Protocol.jurisdiction == jurisdiction)
        .order_by(Protocol.id)
    )
    return next((p for p in rows if product in p.products), None)
