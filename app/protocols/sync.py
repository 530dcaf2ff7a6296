"""Bring the shipped default protocols into a database, with SQLAlchemy Core only.

Core and a hand-written table shape (not the ORM model) because migrations call this too, and a
migration must keep working when the model later grows columns. Idempotent: a family gets its
first version, or a new version when the shipped content changed; stored versions are never edited.

Shipped versions have no author (`created_by_id` is null) and no centre: they are the templates
every centre shares. A new shipped version becomes the family's template default only
while that default is a shipped one: a shared version staff made before protocols belonged to
centres, and was the default then, is not displaced by a deploy. Centres' own versions and
defaults are never touched here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from app.db.dialect import is_sqlite
from app.protocols.defaults import SHIPPED

protocols = sa.table(
    "protocols",
    sa.column("id", sa.Integer),
    sa.column("family", sa.String),
    sa.column("version", sa.Integer),
    sa.column("name", sa.String),
    sa.column("jurisdiction", sa.String),
    sa.column("products", sa.JSON),
    sa.column("content", sa.JSON),
    sa.column("is_default", sa.Boolean),
    sa.column("superseded_by_id", sa.Integer),
    sa.column("created_by_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("center_id", sa.Integer),
)


def _templates(has_owner: bool):
    """Rows no centre owns; before migration 0010 the column did not exist and every row was shared."""
    return protocols.c.center_id.is_(None) if has_owner else sa.true()


def _latest_shipped(connection: sa.Connection, family: str, has_owner: bool) -> sa.Row[*tuple[Any, ...]] | None:
    query = (
        sa.select(protocols.c.id, protocols.c.version, protocols.c.products, protocols.c.content)
        .where(protocols.c.family == family, protocols.c.created_by_id.is_(None), _templates(has_owner))
        .order_by(protocols.c.version.desc())
        .limit(1)
    )
    return connection.execute(query).first()


def _family_state(
    connection: sa.Connection, family: str, has_owner: bool
) -> tuple[int, sa.Row[*tuple[Any, ...]] | None]:
    """The family's highest version number (version numbers are unique across owners) and its
    current template default row (id, created_by_id)."""
    top = connection.execute(sa.select(sa.func.max(protocols.c.version)).where(protocols.c.family == family)).scalar()
    default = connection.execute(
        sa.select(protocols.c.id, protocols.c.created_by_id).where(
            protocols.c.family == family, protocols.c.is_default.is_(True), _templates(has_owner)
        )
    ).first()
    return top or 0, default


def _now_for(connection: sa.Connection) -> datetime:
    now = datetime.now(UTC)
    # SQLite keeps naive UTC (see app.models.types.UTCDateTime); PostgreSQL keeps the zone.
    return now.replace(tzinfo=None) if is_sqlite(connection) else now


def sync_shipped_protocols(
    connection: sa.Connection, shipped: list[dict] = SHIPPED, *, has_owner: bool = True
) -> list[str]:
    """`has_owner=False` only for migrations older than the protocols' `center_id` column."""
    created = []
    for item in shipped:
        latest = _latest_shipped(connection, item["family"], has_owner)
        if latest is not None and latest.content == item["content"] and latest.products == item["products"]:
            continue
        top, default = _family_state(connection, item["family"], has_owner)
        becomes_default = default is None or default.created_by_id is None
        new_id = connection.execute(
            protocols.insert()
            .values(
                family=item["family"],
                version=top + 1,
                name=item["name"],
                jurisdiction=item["jurisdiction"],
                products=item["products"],
                content=item["content"],
                is_default=becomes_default,
                created_at=_now_for(connection),
            )
            .returning(protocols.c.id)
        ).scalar_one()
        if latest is not None:
            connection.execute(protocols.update().where(protocols.c.id == latest.id).values(superseded_by_id=new_id))
        if becomes_default and default is not None:
            connection.execute(protocols.update().where(protocols.c.id == default.id).values(is_default=False))
        created.append(f"{item['family']} v{top + 1}")
    return created
