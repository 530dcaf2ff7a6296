"""The clock process: APScheduler in one process, driving the sweeps until SIGTERM.

APScheduler never holds the schedule itself: the database does (ARCHITECTURE principle 1). One
interval job runs a tick; coalesce/max_instances/misfire grace are set explicitly (RECIPES §2).
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app

from app.scheduling.sweeps import run_all_sweeps

log = logging.getLogger("vigil.clock")

TICK_SECONDS = 15


def run_forever() -> None:
    app = current_app._get_current_object()
    scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60})

    def tick() -> None:
        with app.app_context():
            run_all_sweeps()

    # First tick at once: after a restart, whatever fell due meanwhile is handled without delay.
    scheduler.add_job(tick, "interval", seconds=app.config.get("CLOCK_TICK_SECONDS", TICK_SECONDS),
                      id="tick", replace_existing=True, next_run_time=datetime.now(UTC))

    def stop(signum, _frame) -> None:  # noqa: ANN001
        log.info("signal %s: finishing the running tick, then stopping", signum)
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("clock started: a tick every %ss", TICK_SECONDS)
    scheduler.start()
    log.info("clock stopped")
