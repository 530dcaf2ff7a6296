"""The hand-reviewed migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from app.extensions import db
from app.models import Protocol
from app.protocols.defaults import SHIPPED


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_the_shipped_protocols_are_loaded_once_per_version():
    from app.services.protocols import sync_default_protocols

    assert sync_default_protocols() == []  # already there from the migration
    families = db.session.scalars(select(Protocol.family).where(Protocol.is_default.is_(True))).all()
    assert sorted(families) == sorted(p["family"] for p in SHIPPED)


def test_a_changed_shipped_protocol_becomes_a_new_version():
    from app.protocols.sync import sync_shipped_protocols

    changed = [dict(SHIPPED[0], content={**SHIPPED[0]["content"], "thresholds": {"fever_c": 37.5}})]
    assert sync_shipped_protocols(db.session.connection(), changed) == [f"{SHIPPED[0]['family']} v2"]
    versions = db.session.scalars(select(Protocol).where(Protocol.family == SHIPPED[0]["family"])
                                  .order_by(Protocol.version)).all()
    assert [(p.version, p.is_default) for p in versions] == [(1, False), (2, True)]
    assert versions[0].superseded_by_id == versions[1].id
