"""The sweeps a tick runs, in order. Each takes `now` and returns what it did.

Each sweep's probe (`due=`) is the `Due` its service reads (app/db/due.py): the service states
once which of its rows are due, and both the sweep's query and the tick's probe are built from
that. A probe may be true when the sweep then finds nothing (harmless: it runs, as it always
did); it must never be false when the sweep would have found something.
tests/scheduling/test_sweeps.py makes each probe fire for its sweep's due rows.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.scheduling.registry import sweep
from app.scheduling.watchdog import IDLE_RESULT as WATCHDOG_IDLE
from app.scheduling.watchdog import run_watchdog, watchdog_due
from app.services import checkins, escalation, milestones, outbox, sms_checkin


@sweep("schedule", due=checkins.schedules_due)
def schedule(now: datetime) -> int:
    return checkins.schedule_sweep(now)


@sweep("check_ins", due=checkins.check_ins_due)
def check_ins(now: datetime) -> int:
    return checkins.ladder_sweep(now)


@sweep("sms_check_ins", due=sms_checkin.conversations_due)
def sms_conversations(now: datetime) -> int:
    return sms_checkin.timeout_sweep(now)


@sweep("milestones", due=milestones.milestones_due)
def restriction_milestones(now: datetime) -> int:
    return milestones.milestone_sweep(now)


@sweep("leases", due=outbox.leases_due)
def release_leases(now: datetime) -> int:
    return outbox.release_stale_leases(now)


@sweep("escalation", due=escalation.steps_due)
def escalation_steps(now: datetime) -> int:
    return escalation.run_due_steps(now)


@sweep("unconfirmed_pages", due=escalation.unconfirmed_due)
def unconfirmed_pages(now: datetime) -> int:
    return escalation.unconfirmed_pages(now)


@sweep("watchdog", due=watchdog_due, idle=WATCHDOG_IDLE)
def watchdog(now: datetime) -> dict:
    return run_watchdog(now)


@sweep("dispatch", due=outbox.messages_due, idle=str(outbox.DispatchResult()))
def dispatch(now: datetime) -> str:
    if current_app.extensions.get(CONCURRENT_SENDER):
        # The clock's concurrent sender sends everything, at the account's rate: a
        # tick sending on its own as well would exceed the rate and hold up the next sweeps.
        return "sent by the concurrent sender"
    return str(outbox.dispatch_due(now))


CONCURRENT_SENDER = "vigil_concurrent_sender"  # set by the clock process while its sender runs
