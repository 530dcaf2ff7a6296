"""The hand-reviewed migrations build exactly the schema the models describe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
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
    versions = db.session.scalars(
        select(Protocol).where(Protocol.family == SHIPPED[0]["family"]).order_by(Protocol.version)
    ).all()
    assert [(p.version, p.is_default) for p in versions] == [(1, False), (2, True)]
    assert versions[0].superseded_by_id == versions[1].id


# ---- protocols move to their centres without changing any patient's protocol --------


@pytest.fixture
def empty_database(database_url: str, tmp_path):
    """A database of its own, beside the session's: on SQLite a new file, on PostgreSQL a new database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"vigil_migrate_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert(conn, table: str, **values) -> int:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    values.setdefault("created_at", now)
    tbl = sa.Table(table, sa.MetaData(), autoload_with=conn)
    return conn.execute(tbl.insert().values(**values).returning(tbl.c.id)).scalar_one()


def test_migration_0011_gives_protocols_to_their_centres_and_changes_no_patient_s_protocol(empty_database):
    from flask_migrate import upgrade

    from app import create_app
    from app.services.protocols import default_protocol_for
    from config import TestingConfig

    other = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database)
    with other.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            centre = {
                k: _insert(
                    conn,
                    "centers",
                    name=k,
                    timezone="America/New_York",
                    jurisdiction="US",
                    day_starts="08:00",
                    day_ends="18:00",
                )
                for k in ("A", "B")
            }
            staff = {
                k: _insert(
                    conn,
                    "staff_users",
                    email=f"{k}@example.org",
                    name=k,
                    role=role,
                    center_id=c,
                    password_hash="x",
                    active=True,
                    failed_logins=0,
                    sms_opted_out=False,
                )
                for k, role, c in (("clin_a", "clinician", centre["A"]), ("platform", "admin", None))
            }
            protocols = sa.Table("protocols", sa.MetaData(), autoload_with=conn)
            shipped = conn.execute(sa.select(protocols).where(protocols.c.family == "us-cd19")).one()
            # What main allowed: a clinician of A made v2 the default of every centre, superseding v1,
            # and a platform admin made a protocol that patients of both centres are on.
            a_v2 = _insert(
                conn,
                "protocols",
                family="us-cd19",
                version=2,
                name="A's",
                jurisdiction="US",
                products=shipped.products,
                content=shipped.content,
                is_default=True,
                created_by_id=staff["clin_a"],
            )
            conn.execute(
                protocols.update().where(protocols.c.id == shipped.id).values(is_default=False, superseded_by_id=a_v2)
            )
            shared = _insert(
                conn,
                "protocols",
                family="shared-cd19",
                version=1,
                name="Shared",
                jurisdiction="US",
                products=shipped.products,
                content=shipped.content,
                is_default=False,
                created_by_id=staff["platform"],
            )
            patient_on = {}
            for i, (c, protocol) in enumerate((("A", a_v2), ("B", shipped.id), ("A", shared), ("B", shared))):
                patient_on[
                    _insert(
                        conn,
                        "patients",
                        center_id=centre[c],
                        mrn=f"M{i}",
                        name="P Q",
                        phone=f"+1617555{i:04d}",
                        language="en",
                        timezone="America/New_York",
                        product="yescarta",
                        infused_at=datetime(2026, 10, 30, tzinfo=UTC),
                        status="active",
                        channel="app",
                        protocol_id=protocol,
                        baseline={},
                        sms_opted_out=False,
                        milestones_done=[],
                    )
                ] = protocol
        upgrade()
        with db.engine.connect() as conn:
            protocols = sa.Table("protocols", sa.MetaData(), autoload_with=conn)
            patients = sa.Table("patients", sa.MetaData(), autoload_with=conn)
            assert dict(conn.execute(sa.select(patients.c.id, patients.c.protocol_id)).all()) == patient_on
            rows = {r.id: r for r in conn.execute(sa.select(protocols))}
        assert rows[a_v2].center_id == centre["A"] and rows[a_v2].is_default
        assert rows[shared].center_id is None  # used by two centres: stays a shared, read-only version
        assert (rows[shipped.id].center_id, rows[shipped.id].is_default, rows[shipped.id].superseded_by_id) == (
            None,
            True,
            None,
        )  # the template is current and the shipped default again
        assert default_protocol_for("yescarta", "US", centre["A"]).id == a_v2
        assert default_protocol_for("yescarta", "US", centre["B"]).id == shipped.id
        db.session.remove()
        db.engine.dispose()
