"""Database tricks in one place: everything that differs between PostgreSQL and SQLite, the
locks and claims, the per-transaction memo, buffered writes and the listeners they need.

- `dialect`: `is_postgres()`, `claim(query)` (FOR UPDATE SKIP LOCKED), advisory locks, id reservation.
- `due`: `Due`, which rows a sweep reads, and the probe the clock's tick asks first.
- `memo`: a memo that lives as long as the current transaction.
- `bulk`: rows written without the unit of work (a burst's rows; the report's single INSERT).
- `notify`: PostgreSQL's NOTIFY at commit and LISTEN.

Nothing here registers itself at import: the app factory calls `register(app)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, Result, event
from sqlalchemy.orm import Session

from app.db import bulk, memo, notify
from app.db.dialect import is_sqlite, sqlite_pragmas
from app.extensions import db

# (event, listener) on every Session: what a transaction kept in `session.info` ends with it.
SESSION_LISTENERS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("after_commit", memo.forget),
    ("after_rollback", memo.forget),
    ("after_transaction_end", memo.forget_after_savepoint),
    ("after_commit", notify.transaction_ended),
    ("after_rollback", notify.transaction_ended),
    ("after_commit", bulk.keep_inserted),
    ("after_soft_rollback", bulk.forget_inserted),
)


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched (its result is a CursorResult, typed as any Result)."""
    return cast(CursorResult[Any], result).rowcount


def register(app: Flask) -> None:
    """Per-connection settings on the app's engine, and the session listeners (once a process)."""
    for name, listener in SESSION_LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    with app.app_context():
        engine = db.engine
        if is_sqlite(engine) and not event.contains(engine, "connect", sqlite_pragmas):
            event.listen(engine, "connect", sqlite_pragmas)
