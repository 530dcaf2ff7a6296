"""Rows written together instead of as ORM objects, for bursts.

After a clock outage the ladder raises thousands of alerts in one transaction, each with its
events and pages. As ORM objects every row pays for instance bookkeeping and a multi-row
INSERT ... RETURNING whose text psycopg parses in Python; nothing reads these rows back before
the transaction ends, so inside `buffered()` they are collected as plain dicts and written by
one executemany per table (psycopg pipelines it) when the block ends.

Only rows nobody queries inside the block may be buffered: a query there would not see them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import insert

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
