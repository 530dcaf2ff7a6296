"""How the dispatcher learns that a page was queued without waiting for a tick.

On PostgreSQL the web process's transaction sends NOTIFY (delivered at commit) and the clock
LISTENs; on SQLite the dispatcher probes a cheap indexed read every 50 ms (reads do not take
SQLite's write lock; a claim does, so the claim runs only when the probe finds a due message, or
every 0.25 s). Polling remains the safety net on PostgreSQL too: a lost notification delays a
page by at most one poll interval.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from app.db.dialect import is_postgres
from app.db.notify import listen
from app.models import Notification
from app.services.outbox import NOTIFY_CHANNEL, URGENT_PURPOSES, messages_due
from app.timesource import utcnow

log = logging.getLogger("vigil.clock")

SQLITE_POLL_SECONDS = 0.25
SQLITE_PROBE_SECONDS = 0.05
POSTGRES_POLL_SECONDS = 2.0


class Wakeup:
    """wait(stop) returns when a page may be due, after the poll interval, or when stopping."""

    def __init__(self, engine: Engine, urgent_only: bool = False) -> None:
        self._engine = engine
        # The page lane's wake-up: on SQLite, probe for a due page (call, watchdog text) only.
        self._only = (Notification.purpose.in_(URGENT_PURPOSES),) if urgent_only else ()
        self._postgres = is_postgres(engine)
        self._conn: Any = None

    def wait(self, stop: threading.Event) -> None:
        if not self._postgres:
            self._probe_until_due(stop)
            return
        try:
            conn = self._connection()
            for _ in conn.notifies(timeout=POSTGRES_POLL_SECONDS, stop_after=1):
                break
        except Exception as exc:  # noqa: BLE001 - the database may be restarting; poll meanwhile
            log.warning("LISTEN connection lost (%s); polling until it is back", type(exc).__name__)
            self.close()
            stop.wait(POSTGRES_POLL_SECONDS)

    def _probe_until_due(self, stop: threading.Event) -> None:
        deadline = time.monotonic() + SQLITE_POLL_SECONDS
        while not stop.wait(SQLITE_PROBE_SECONDS) and time.monotonic() < deadline:
            try:
                if self._message_due():
                    return
            except Exception:  # noqa: BLE001 - a locked or missing database: wait out the poll instead
                log.debug("outbox probe failed", exc_info=True)

    def _message_due(self) -> bool:
        with self._engine.connect() as conn:
            return (
                conn.execute(
                    select(Notification.id).where(*messages_due(utcnow()).rows(), *self._only).limit(1)
                ).first()
                is not None
            )

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._conn = listen(self._engine, NOTIFY_CHANNEL)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail; nothing to do
                log.debug("closing the LISTEN connection failed")
            self._conn = None
