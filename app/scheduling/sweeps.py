"""The periodic sweeps. Each takes `now` and returns a small summary of what it did.

Sweeps read only what is due (rows with a due time and a state) and claim it with
compare-and-set, so several clock processes may run them at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from app.clock import utcnow
from app.extensions import db

log = logging.getLogger("vigil.clock")

Sweep = Callable[[datetime], object]
SWEEPS: dict[str, Sweep] = {}


def sweep(name: str) -> Callable[[Sweep], Sweep]:
    """Register a sweep under `name`; order of registration is the order they run in a tick."""

    def register(fn: Sweep) -> Sweep:
        SWEEPS[name] = fn
        return fn

    return register


def run_all_sweeps(now: datetime | None = None) -> dict[str, object]:
    """One tick: every sweep once, as of `now`. A failing sweep is logged and does not stop the
    others: a broken reminder must never hold back a page."""
    import app.scheduling.jobs  # noqa: F401 - registers the sweeps

    now = now or utcnow()
    results: dict[str, object] = {}
    for name, fn in SWEEPS.items():
        try:
            results[name] = fn(now)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - isolate sweeps from each other
            db.session.rollback()
            log.exception("sweep %s failed", name)
            results[name] = f"error: {type(exc).__name__}"
    return results
