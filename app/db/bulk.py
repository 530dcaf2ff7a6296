"""Rows written without the ORM's unit of work, for bursts and for the one hot insert.

After a clock outage the ladder raises thousands of alerts in one transaction, each with its
events and pages. As ORM objects every row pays for instance bookkeeping and a multi-row
INSERT ... RETURNING whose text psycopg parses in Python; nothing reads these rows back before
the transaction ends, so inside `buffered()` they are collected as plain dicts and written by
one executemany per table (psycopg pipelines it) when the block ends.

Only rows nobody queries inside the block may be buffered: a query there would not see them.

`insert_as_loaded` writes one new object (a report, on every request) in one INSERT.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached

from app.extensions import db

_KEY = "vigil_bulk_rows"


def active() -> bool:
    return _KEY in db.session().info


def add(model: type, row: dict) -> dict:
    """Queue `row` for `model`'s table; every row of one table must carry the same keys."""
    db.session().info[_KEY].setdefault(model, []).append(row)
    return row


@contextmanager
def buffered() -> Iterator[None]:
    info = db.session().info
    info[_KEY] = {}
    try:
        yield
        for model, rows in info[_KEY].items():
            db.session.execute(insert(model.__table__), rows)  # Core: no RETURNING, no objects
    finally:
        info.pop(_KEY, None)


_INSERTS: dict[Table, Any] = {}
_INSERTED = "vigil_inserted_by_core"


def insert_as_loaded(obj: Any) -> None:
    """Write the new `obj` in one INSERT and make it a persistent object, as `add` and `flush`
    would, without the unit of work's cost for one row. Every column is given,
    defaults included, so the object holds exactly what the row holds and loads nothing later."""
    table = obj.__table__
    values = {}
    for column in table.columns:
        if column.primary_key:
            continue
        if column.key not in obj.__dict__:
            default = column.default
            if default is not None and not default.is_scalar:  # a callable default: the ORM's way
                db.session.add(obj)
                db.session.flush()
                return
            setattr(obj, column.key, default.arg if default is not None else None)
        values[column.key] = obj.__dict__[column.key]
    statement = _INSERTS.get(table)
    if statement is None:  # built once per table: a report is inserted on every request
        statement = _INSERTS[table] = insert(table).returning(table.c.id)
    obj.id = db.session.execute(statement, values).scalar_one()
    make_transient_to_detached(obj)
    db.session.add(obj)
    # Attached as if loaded, the session would keep it after a rollback that took its row away.
    db.session().info.setdefault(_INSERTED, []).append(obj)


# Session listeners, registered by `app.db.register`.


def keep_inserted(session: Session) -> None:  # after_commit
    session.info.pop(_INSERTED, None)


def forget_inserted(session: Session, _previous_transaction: SessionTransaction) -> None:  # after_soft_rollback
    for obj in session.info.pop(_INSERTED, []):
        if obj in session:
            session.expunge(obj)
