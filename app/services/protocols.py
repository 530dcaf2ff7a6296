"""Protocol lookup, ownership and the shipped defaults' synchronisation.

A protocol version is a shipped template (`center_id` null: read-only, every centre's) or one
centre's own version. Staff see templates and their own centre's versions; a platform
administrator sees every centre's. A patient is put only on a template or a version of their own
centre; the default for a product is the centre's own choice, else the shipped default.
"""

from __future__ import annotations

from sqlalchemy import case, or_, select

from app.extensions import db
from app.models import Protocol, StaffUser
from app.protocols.sync import sync_shipped_protocols


def sync_default_protocols() -> list[str]:
    """Make the database hold the shipped defaults (see app.protocols.sync)."""
    return sync_shipped_protocols(db.session.connection())


def visible_to(staff: StaffUser):
    """A WHERE clause: the versions this staff member may see."""
    if staff.is_platform_admin:
        return Protocol.id.is_not(None)
    return or_(Protocol.center_id.is_(None), Protocol.center_id == staff.center_id)


def staff_may_see(staff: StaffUser, protocol: Protocol | None) -> bool:
    return protocol is not None and (protocol.center_id is None or staff.can_see_center(protocol.center_id))


def usable_at(protocol: Protocol | None, center_id: int) -> bool:
    """Whether a patient of this centre may be put on this version."""
    return protocol is not None and protocol.center_id in (None, center_id)


def default_protocol_for(product: str, jurisdiction: str, center_id: int | None = None) -> Protocol | None:
    """The centre's own newest default version covering the product, else the shipped default
    (the first template default covering it). Without a centre: the shipped default."""
    rows = db.session.scalars(
        select(Protocol)
        .where(
            Protocol.is_default.is_(True),
            Protocol.jurisdiction == jurisdiction,
            or_(Protocol.center_id.is_(None), Protocol.center_id == center_id),
        )
        .order_by(Protocol.center_id.is_(None), case((Protocol.center_id.is_(None), Protocol.id), else_=-Protocol.id))
    )
    return next((p for p in rows if product in p.products), None)
