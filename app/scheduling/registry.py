"""The sweeps a tick runs and their probes, registered with `@sweep` (app/scheduling/jobs.py).

Each sweep takes `now` and returns a small summary of what it did. A sweep may register a
*probe*: a cheap indexed boolean that is true whenever the sweep could have anything to do (it
may be true more often, never less); usually the `Due` its service reads, whose `probe()` is
asked (see app/db/due.py). The tick (app/scheduling/sweeps.py) skips the sweeps whose probe is
false and reports their `idle` result instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement

from app.db.due import Due

Sweep = Callable[[datetime], object]
Probe = Callable[[datetime], "Due | ColumnElement[bool]"]
SWEEPS: dict[str, Sweep] = {}
PROBES: dict[str, Probe] = {}  # sweeps without a probe run on every tick
IDLE: dict[str, object] = {}  # what a probed sweep returns when it finds nothing due


def sweep(name: str, *, due: Probe | None = None, idle: object = 0) -> Callable[[Sweep], Sweep]:
    """Register a sweep under `name`; order of registration is the order they run in a tick.

    `due(now)` is the sweep's probe: the `Due` rows its service reads, or a boolean SQL expression
    (on the index the sweep reads), true whenever the sweep would find anything to do. `idle` is
    the result the sweep returns when it finds nothing, reported for a tick that skips it."""

    def register(fn: Sweep) -> Sweep:
        SWEEPS[name] = fn
        PROBES.pop(name, None)
        IDLE.pop(name, None)
        if due is not None:
            PROBES[name] = due
            IDLE[name] = idle
        return fn

    return register


def probe(name: str, now: datetime) -> ColumnElement[bool]:
    """The probe of sweep `name` as of `now`, as a boolean SQL expression."""
    found = PROBES[name](now)
    return found.probe() if isinstance(found, Due) else found
