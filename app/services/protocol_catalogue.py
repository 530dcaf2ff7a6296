"""The protocol versions a staff member may see, as the API's list and the protocol pages show
them: shipped templates and their own centre's versions (a platform administrator: every
centre's), newest first within a family. Reads only."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, select

from app.extensions import db
from app.models import Center, Protocol, StaffUser
from app.services.protocols import visible_to


def visible_query(staff: StaffUser, *, family: str | None = None, current_only: bool = False) -> Select:
    # (family, version) is unique, so the id only makes the order total for the database.
    query = select(Protocol).where(visible_to(staff)).order_by(Protocol.family, Protocol.version.desc(), Protocol.id)
    if family is not None:
        query = query.where(Protocol.family == family)
    if current_only:
        query = query.where(Protocol.superseded_by_id.is_(None))
    return query


def visible_protocols(staff: StaffUser) -> list[Protocol]:
    return list(db.session.scalars(visible_query(staff)))


def family_versions(staff: StaffUser, protocol: Protocol) -> list[Protocol]:
    """Every version of `protocol`'s family the staff member may see, newest first."""
    return list(db.session.scalars(visible_query(staff, family=protocol.family)))


def center_names(ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the centres that own these versions (templates own none)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {i: name for i, name in db.session.execute(select(Center.id, Center.name).where(Center.id.in_(wanted)))}


def all_centers() -> list[Center]:
    """Every centre, by name: a platform administrator names the one a new version is for."""
    return list(db.session.scalars(select(Center).order_by(Center.name)))


def center_exists(center_id: int) -> bool:
    return db.session.get(Center, center_id) is not None


def author_of(protocol: Protocol) -> StaffUser | None:
    return db.session.get(StaffUser, protocol.created_by_id) if protocol.created_by_id else None
