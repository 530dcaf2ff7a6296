"""Shared fixtures: the app on SQLite (or PostgreSQL when TEST_DATABASE_URL is set), a settable
clock, and personas (centres, staff of each role, enrolled patients) with auth headers.

The schema is built by running the real migrations once per session; every test then starts
from empty tables plus the shipped protocols.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app, timesource
from app.extensions import db
from app.services.protocols import sync_default_protocols
from config import TestingConfig

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"  # noqa: S105 - test only


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'vigil-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:  # a fresh schema per run: the cluster may be reused
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.session.commit()
    yield app


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_db(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()
        _empty_tables()
        sync_default_protocols()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


class Clock:
    """The test's clock: starts at a fixed instant and moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        timesource.set_fixed(start)

    def set(self, when: datetime) -> datetime:
        self.now = when
        timesource.set_fixed(when)
        return when

    def advance(self, **delta: float) -> datetime:
        return self.set(self.now + timedelta(**delta))


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[Clock]:
    yield Clock(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    timesource.set_fixed(None)


pytest_plugins = ["tests.personas", "tests.support.fixtures"]
