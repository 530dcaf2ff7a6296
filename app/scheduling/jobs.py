"""The sweeps a tick runs, in order. Each takes `now` and returns what it did.

Each sweep's probe (`due=`) restates the WHERE clause of the query its service runs to find due
work, as "the earliest due time among the rows in that state is due" (see `sweeps.earliest`):
keep the two together. A probe may be true when the sweep then finds
nothing (harmless: it runs, as it always did); it must never be false when the sweep would have
found something. tests/scheduling/test_sweeps.py makes each probe fire for its sweep's due rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_

from app.models import (
    Alert,
    CheckIn,
    CheckInState,
    ConversationState,
    EscalationState,
    Notification,
    NotificationState,
    Patient,
    PatientStatus,
    SmsConversation,
)
from app.scheduling.sweeps import earliest, sweep
from app.scheduling.watchdog import IDLE_RESULT as WATCHDOG_IDLE
from app.scheduling.watchdog import run_watchdog, watchdog_due
from app.services import checkins, escalation, milestones, outbox, sms_checkin


def _schedule_due(now: datetime) -> ColumnElement[bool]:  # checkins.schedule_sweep
    return earliest(Patient.schedule_until, Patient.status == PatientStatus.ACTIVE) < now + checkins.EXTEND_WHEN_LEFT


@sweep("schedule", due=_schedule_due)
def schedule(now: datetime) -> int:
    return checkins.schedule_sweep(now)


def _check_ins_due(now: datetime) -> ColumnElement[bool]:  # checkins._due_check_ins
    return earliest(CheckIn.next_action_at, CheckIn.state == CheckInState.PENDING) <= now


@sweep("check_ins", due=_check_ins_due)
def check_ins(now: datetime) -> int:
    return checkins.ladder_sweep(now)


def _sms_due(now: datetime) -> ColumnElement[bool]:  # sms_checkin.timeout_sweep
    return earliest(SmsConversation.expires_at, SmsConversation.state == ConversationState.ACTIVE) <= now


@sweep("sms_check_ins", due=_sms_due)
def sms_conversations(now: datetime) -> int:
    return sms_checkin.timeout_sweep(now)


def _milestones_due(now: datetime) -> ColumnElement[bool]:  # milestones.milestone_sweep
    return earliest(Patient.next_milestone_at) <= now


@sweep("milestones", due=_milestones_due)
def restriction_milestones(now: datetime) -> int:
    return milestones.milestone_sweep(now)


def _leases_due(now: datetime) -> ColumnElement[bool]:  # outbox.release_stale_leases
    return earliest(Notification.lease_expires_at, Notification.state == NotificationState.SENDING) < now


@sweep("leases", due=_leases_due)
def release_leases(now: datetime) -> int:
    return outbox.release_stale_leases(now)


def _escalation_due(now: datetime) -> ColumnElement[bool]:  # escalation.due_alerts
    return or_(
        *(
            earliest(Alert.next_step_at, Alert.escalation_state == state) <= now
            for state in (EscalationState.RUNNING, EscalationState.WAITING_DAYTIME)
        )
    )


@sweep("escalation", due=_escalation_due)
def escalation_steps(now: datetime) -> int:
    return escalation.run_due_steps(now)


def _unconfirmed_due(now: datetime) -> ColumnElement[bool]:  # escalation.unconfirmed_pages (its candidates)
    return earliest(
        Notification.sent_at, Notification.purpose.in_(("page", "call")), Notification.state == NotificationState.SENT
    ) < now - timedelta(minutes=1)


@sweep("unconfirmed_pages", due=_unconfirmed_due)
def unconfirmed_pages(now: datetime) -> int:
    return escalation.unconfirmed_pages(now)


@sweep("watchdog", due=watchdog_due, idle=WATCHDOG_IDLE)
def watchdog(now: datetime) -> dict:
    return run_watchdog(now)


def _dispatch_due(now: datetime) -> ColumnElement[bool]:  # outbox.claim_due
    return earliest(Notification.due_at, Notification.state == NotificationState.PENDING) <= now


@sweep("dispatch", due=_dispatch_due, idle=str(outbox.DispatchResult()))
def dispatch(now: datetime) -> str:
    from flask import current_app

    if current_app.extensions.get(CONCURRENT_SENDER):
        # The clock's concurrent sender sends everything, at the account's rate: a
        # tick sending on its own as well would exceed the rate and hold up the next sweeps.
        return "sent by the concurrent sender"
    return str(outbox.dispatch_due(now))


CONCURRENT_SENDER = "vigil_concurrent_sender"  # set by the clock process while its sender runs
