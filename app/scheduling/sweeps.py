"""The tick: every sweep once (app/scheduling/jobs.py registers them, in order, in
app/scheduling/registry.py). Each takes `now` and returns a small summary of what it did.

Sweeps read only what is due (rows with a due time and a state) and claim it with
compare-and-set, so several clock processes may run them at once.

Most ticks find nothing due. A sweep may therefore register a *probe*: a cheap indexed boolean
(usually the probe of the `Due` rows its service reads, see app/db/due.py) that is true whenever
the sweep could have anything to do (it may be true more often, never less). A tick asks every
probe in one statement and skips
the sweeps whose probe is false; a skipped sweep's result is the one it returns when it finds
nothing. Whenever a sweep did run, what it did (an alert raised, a page queued) may have made a
later sweep due, so the later sweeps are probed again before any of them is skipped. If the probe
itself fails, every sweep runs.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.scheduling import jobs, registry  # noqa: F401 - importing the jobs registers the sweeps
from app.timesource import utcnow

log = logging.getLogger("vigil.clock")


def due_sweeps(now: datetime, names: Iterable[str]) -> set[str]:
    """Which of the probed sweeps `names` may have anything due: all their probes in one SELECT."""
    names = [name for name in names if name in registry.PROBES]
    if not names:
        return set()
    row = db.session.execute(select(*(registry.probe(name, now).label(name) for name in names))).one()
    return {name for name, is_due in zip(names, row, strict=True) if is_due}


def run_all_sweeps(now: datetime | None = None, *, skip_idle: bool = True) -> dict[str, object]:
    """One tick: every sweep once, as of `now`. A failing sweep is logged and does not stop the
    others: a broken reminder must never hold back a page. With `skip_idle` (the default), sweeps
    whose probe says nothing is due are skipped (see the module's docstring); without it, every
    sweep runs, as a full sweep."""
    now = now or utcnow()
    results: dict[str, object] = {}
    names = list(registry.SWEEPS)
    due: set[str] | None = None  # None: not probed since the last sweep that ran
    for position, name in enumerate(names):
        fn = registry.SWEEPS[name]
        if skip_idle and name in registry.PROBES:
            if due is None:
                due = _probe(now, names[position:])
            if name not in due:
                results[name] = copy.deepcopy(registry.IDLE[name])
                continue
        try:
            results[name] = fn(now)
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - isolate sweeps from each other
            db.session.rollback()
            log.exception("sweep %s failed", name)
            results[name] = f"error: {type(exc).__name__}"
        due = None  # what it did may have made later sweeps due (a queued page for dispatch)
    if db.session().in_transaction():  # the probe's read-only transaction, when no sweep ran after it
        try:
            db.session.commit()
        except Exception:  # noqa: BLE001 - nothing was written; the next tick probes again
            db.session.rollback()
            log.exception("ending the sweep probe's transaction failed")
    return results


def _probe(now: datetime, names: list[str]) -> set[str]:
    """The sweeps among `names` to run: those whose probe is true; every one if probing fails."""
    try:
        return due_sweeps(now, names)
    except Exception:  # noqa: BLE001 - a broken probe must never stop a sweep: run them all
        db.session.rollback()
        log.exception("sweep probe failed; running every sweep")
        return set(names)
