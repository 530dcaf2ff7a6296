"""The sweeps a tick runs, in order. Each takes `now` and returns what it did."""

from __future__ import annotations

from datetime import datetime

from app.scheduling.sweeps import sweep
from app.scheduling.watchdog import run_watchdog
from app.services import checkins, escalation, milestones, outbox, sms_checkin


@sweep("schedule")
def schedule(now: datetime) -> int:
    return checkins.schedule_sweep(now)


@sweep("check_ins")
def check_ins(now: datetime) -> int:
    return checkins.ladder_sweep(now)


@sweep("sms_check_ins")
def sms_conversations(now: datetime) -> int:
    return sms_checkin.timeout_sweep(now)


@sweep("milestones")
def restriction_milestones(now: datetime) -> int:
    return milestones.milestone_sweep(now)


@sweep("leases")
def release_leases(now: datetime) -> int:
    return outbox.release_stale_leases(now)


@sweep("escalation")
def escalation_steps(now: datetime) -> int:
    return escalation.run_due_steps(now)


@sweep("unconfirmed_pages")
def unconfirmed_pages(now: datetime) -> int:
    return escalation.unconfirmed_pages(now)


@sweep("watchdog")
def watchdog(now: datetime) -> dict:
    return run_watchdog(now)


@sweep("dispatch")
def dispatch(now: datetime) -> str:
    return str(outbox.dispatch_due(now))
