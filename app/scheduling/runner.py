"""The clock process: APScheduler in one process, driving the sweeps until SIGTERM, plus the
sender that sends pages as soon as they are queued: with SMS_CONCURRENCY > 1 (the default) the
concurrent sender in a child process the clock owns (app/scheduling/sender_process.py), so the
sweeps and the sends run on separate cores; with SMS_CONCURRENCY=1, one dispatcher thread in the
clock itself, sending one message at a time.

APScheduler never holds the schedule itself: the database does (ARCHITECTURE principle 1). One
interval job runs a tick; coalesce/max_instances/misfire grace are set explicitly.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app

from app.extensions import db
from app.scheduling.jobs import CONCURRENT_SENDER
from app.scheduling.sender_process import SenderChild, die_with_parent
from app.scheduling.sweeps import run_all_sweeps
from app.scheduling.wakeup import POSTGRES_POLL_SECONDS, Wakeup
from app.services import sending
from app.services.outbox import CLAIM_BATCH, DispatchResult, dispatch_due
from app.timesource import utcnow

log = logging.getLogger("vigil.clock")

TICK_SECONDS = 15
# Every tick skips the sweeps whose probe finds nothing due; one tick in this many seconds runs
# every sweep regardless, so a probe that ever fell out of step with its sweep costs minutes, not
# a missed page forever. The first tick after a start is such a full tick.
FULL_SWEEP_SECONDS = 300


BUSY_POLL_SECONDS = 0.05  # while messages are in hand, how soon a page queued meanwhile is claimed


def dispatch_loop(app: Flask, stop: threading.Event) -> None:
    """Send due messages, then wait for a wake-up; until told to stop. With SMS_CONCURRENCY > 1
    (the default) the sends go through the concurrent, rate-limited sender."""
    if int(app.config.get("SMS_CONCURRENCY", 25)) > 1:
        concurrent_dispatch_loop(app, stop)
        return
    with app.app_context():
        wakeup = Wakeup(db.engine)
        try:
            while not stop.is_set():
                backlog = False
                try:
                    result = dispatch_due(utcnow())
                    backlog = result.handled >= CLAIM_BATCH  # more may be due: no waiting
                    if result.sent or result.failed or result.retrying:
                        log.info("dispatch: %s", result)
                except Exception:  # noqa: BLE001 - keep the loop alive through outages
                    db.session.rollback()
                    log.exception("dispatch failed; retrying")
                    stop.wait(1.0)
                finally:
                    db.session.remove()
                if not backlog:
                    wakeup.wait(stop)
        finally:
            wakeup.close()


def concurrent_dispatch_loop(app: Flask, stop: threading.Event) -> None:
    """Claim routine messages while there is room in hand and let the sender threads send; poll
    every 50 ms while anything is in hand, else wait for a wake-up. Pages are claimed by the
    page lane's own thread (`page_lane_loop`), woken at once when one is queued."""
    dispatcher = sending.build(app)
    app.extensions[CONCURRENT_SENDER] = dispatcher
    lane = threading.Thread(target=page_lane_loop, args=(app, dispatcher, stop), name="page-lane", daemon=True)
    lane.start()
    reported: dict[str, int] = {}
    last_report = 0.0
    with app.app_context():
        wakeup = Wakeup(db.engine)
        try:
            while not stop.is_set():
                claimed = 0
                try:
                    claimed = dispatcher.feed(pages=not lane.is_alive())
                except Exception:  # noqa: BLE001 - keep the loop alive through outages
                    db.session.rollback()
                    log.exception("dispatch failed; retrying")
                    stop.wait(1.0)
                finally:
                    db.session.remove()
                if time.monotonic() - last_report >= 1.0:  # one line a second in a wave, not one a poll
                    reported, last_report = _report(dispatcher, reported), time.monotonic()
                if claimed or dispatcher.in_hand:
                    stop.wait(BUSY_POLL_SECONDS)
                else:
                    wakeup.wait(stop)
        finally:
            wakeup.close()
            app.extensions.pop(CONCURRENT_SENDER, None)  # a tick sends again if this thread is gone
            lane.join(POSTGRES_POLL_SECONDS + 1)
            dispatcher.stop()
            _report(dispatcher, reported)


def page_lane_loop(app: Flask, dispatcher: sending.Dispatcher, stop: threading.Event) -> None:
    """The page lane's claimer: claim due pages (calls, watchdog texts) the moment one is queued
    (PostgreSQL's NOTIFY; SQLite: a probe for a due page every 50 ms) and hand them to the page
    threads, whatever the routine loop is doing."""
    with app.app_context():
        wakeup = Wakeup(db.engine, urgent_only=True)
        try:
            while not stop.is_set():
                claimed = 0
                try:
                    claimed = dispatcher.feed_pages()
                except Exception:  # noqa: BLE001 - keep the lane alive through outages
                    db.session.rollback()
                    log.exception("claiming pages failed; retrying")
                    stop.wait(1.0)
                finally:
                    db.session.remove()
                if not dispatcher.page_room:
                    stop.wait(BUSY_POLL_SECONDS)  # a burst's pages: claim more as these go out
                elif not claimed:
                    wakeup.wait(stop)
        finally:
            wakeup.close()


def _report(dispatcher, before: dict[str, int]) -> dict[str, int]:  # noqa: ANN001
    """Log what was sent since the last line, as the one-at-a-time loop does (`dispatch: sent=...`)."""
    now = dict(dispatcher.outcomes)
    delta = {k: v - before.get(k, 0) for k, v in now.items() if k in DispatchResult.__dataclass_fields__}
    if any(delta.get(k) for k in ("sent", "failed", "retrying", "throttled")):
        log.info("dispatch: %s", DispatchResult(**delta))
    return now


class Ticker:
    """The clock's tick: `run_all_sweeps` in its own app context and session; a full tick (every
    sweep, probe or not) the first time and then once every `full_every` seconds."""

    def __init__(self, app: Flask, full_every: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.app, self.full_every, self.monotonic = app, full_every, monotonic
        self.last_full: float | None = None

    def __call__(self) -> None:
        started = self.monotonic()
        full = self.last_full is None or started - self.last_full >= self.full_every
        with self.app.app_context():
            try:
                run_all_sweeps(skip_idle=not full)
            finally:
                db.session.remove()
        if full:
            self.last_full = started


def run_forever() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    stop = threading.Event()
    in_child = int(app.config.get("SMS_CONCURRENCY", 25)) > 1
    scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})

    tick = Ticker(app, app.config.get("CLOCK_FULL_SWEEP_SECONDS", FULL_SWEEP_SECONDS))
    seconds = app.config.get("CLOCK_TICK_SECONDS", TICK_SECONDS)
    # First tick at once: after a restart, whatever fell due meanwhile is handled without delay.
    scheduler.add_job(
        tick, "interval", seconds=seconds, id="tick", replace_existing=True, next_run_time=datetime.now(UTC)
    )
    dispatcher = threading.Thread(target=dispatch_loop, args=(app, stop), name="dispatcher", daemon=True)
    child = SenderChild() if in_child else None

    def shutdown(signum, _frame) -> None:  # noqa: ANN001
        log.info("signal %s: finishing the running tick and send, then stopping", signum)
        stop.set()
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    if child is not None:
        # The tick leaves sending to the child (jobs.dispatch), as it did to the sender thread.
        app.extensions[CONCURRENT_SENDER] = child.start()
    else:
        dispatcher.start()
    log.info("clock started: a tick every %ss, %s", seconds, "sender child" if child else "dispatcher listening")
    try:
        scheduler.start()
    finally:
        if child is not None:
            child.stop()  # SIGTERM: the child finishes its sends in flight and gives back the rest
            app.extensions.pop(CONCURRENT_SENDER, None)
        else:
            dispatcher.join(timeout=15)
    log.info("clock stopped")


def run_sender(parent_pid: int) -> None:
    """The sender child (`scheduler send`): the concurrent sender until SIGTERM or until the clock
    `parent_pid` is gone, then drain."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the app behind the proxy
    stop = threading.Event()

    def shutdown(signum, _frame) -> None:  # noqa: ANN001
        log.info("sender child: signal %s, finishing the sends in flight, then stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    die_with_parent(parent_pid, stop)
    log.info("sender child of clock %s started: %s threads", parent_pid, app.config.get("SMS_CONCURRENCY", 25))
    concurrent_dispatch_loop(app, stop)
    log.info("sender child stopped")
