"""PostgreSQL's NOTIFY and LISTEN: how a transaction that queued a message wakes the clock's
dispatcher at once (SQLite has neither: the dispatcher polls there, see app/scheduling/wakeup.py)."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.db.dialect import is_postgres
from app.extensions import db

_NOTIFIED = "vigil_notified"


def notify_at_commit(channel: str) -> None:
    """Wake the listeners on `channel` when the session's transaction commits (PostgreSQL
    delivers NOTIFY at commit, so they wake only once the rows are visible); one notification per
    transaction and channel is enough however many rows it wrote. Nothing on SQLite."""
    session = db.session()
    notified = session.info.setdefault(_NOTIFIED, set())
    if channel not in notified and is_postgres():
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": channel})
        notified.add(channel)


def transaction_ended(session: Session) -> None:  # after_commit, after_rollback; see app.db.register
    session.info.pop(_NOTIFIED, None)


def listen(engine: Engine, channel: str) -> Any:
    """A connection of its own (autocommit, outside the pool) that LISTENs on `channel`; read it
    with `connection.notifies(timeout=..., stop_after=1)`."""
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    connection.execute(f"LISTEN {channel}")
    return connection
