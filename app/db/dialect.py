"""What differs between PostgreSQL (production) and SQLite (development, most tests), in one place.

Call sites ask `is_postgres()` or use a helper that does the right thing on each: `claim` (FOR
UPDATE SKIP LOCKED where there is such a thing), `advisory_lock`, `reserve_ids`. SQLite has one
writer at a time, so what PostgreSQL needs a lock for is serialised there already.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, text
from sqlalchemy.engine import Connection, Dialect, Engine

from app.extensions import db

Bind = Connection | Engine | Dialect
S = TypeVar("S", bound=Select[Any])


def _dialect(bind: Bind | None) -> Dialect:
    if bind is None:
        return db.session.get_bind().dialect
    return bind if isinstance(bind, Dialect) else bind.dialect


def is_postgres(bind: Bind | None = None) -> bool:
    """Whether `bind` (by default the session's database) is PostgreSQL."""
    return _dialect(bind).name == "postgresql"


def is_sqlite(bind: Bind | None = None) -> bool:
    return _dialect(bind).name == "sqlite"


def partial_index_where(condition: str) -> dict[str, Any]:
    """An Index's keyword arguments for covering only the rows matching `condition`, on both."""
    clause = text(condition)
    return {"sqlite_where": clause, "postgresql_where": clause}


def claim(query: S) -> S:
    """`query` locking the rows it reads and skipping rows another transaction holds, so two
    clock processes split due work between them instead of waiting for each other. On SQLite
    (one writer at a time) the query is unchanged."""
    return query.with_for_update(skip_locked=True) if is_postgres() else query


def advisory_lock(key: str) -> None:
    """Hold a lock on `key` until the transaction ends (PostgreSQL); nothing on SQLite."""
    if is_postgres():
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def reserve_ids(table: str, count: int) -> list[int] | None:
    """`count` ids taken from `table`'s id sequence in one query (PostgreSQL), so new rows can be
    inserted whole without RETURNING; None on SQLite, which has no sequence to take them from."""
    if not is_postgres():
        return None
    return list(
        db.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table, "n": count},
        )
    )


def sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    # WAL lets the web and clock processes read while one writes; the busy timeout makes writers
    # wait instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
