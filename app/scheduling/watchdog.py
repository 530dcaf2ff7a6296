"""The watchdog sweep: notices escalation and outbox work that is late, fixes what it can, and
pages the centre's admins about what it cannot (after Grafana OnCall's escalation auditor)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select

from app.db.due import Due
from app.extensions import db
from app.models import Alert, EscalationState, Notification, NotificationState
from app.services import outbox
from app.services.escalation import PAGING_PURPOSES, advance, center_admins, steps_due

log = logging.getLogger("vigil.watchdog")

OVERDUE = timedelta(minutes=2)  # A step overdue by more than 2 minutes is a fault
STUCK_PAGE = timedelta(minutes=10)


IDLE_RESULT = {"overdue_steps": 0, "broken_alerts": 0, "stuck_pages": 0}


def run_watchdog(now: datetime) -> dict:
    return {
        "overdue_steps": _overdue_steps(now),
        "broken_alerts": _broken_alerts(now),
        "stuck_pages": _stuck_pages(now),
    }


# What each check reads; `watchdog_due`, the tick's probe, is built from the same parts.
UNSENT = (NotificationState.PENDING, NotificationState.SENDING)


def _overdue(now: datetime) -> Due:
    return steps_due(now - OVERDUE, strictly=True)


def _broken() -> tuple[ColumnElement[bool], ...]:
    return Alert.escalation_state == EscalationState.RUNNING, Alert.next_step_at.is_(None)


def _stuck(now: datetime) -> Due:
    # Calls of pages too: a voice outage must reach the admins like an SMS one.
    return Due(
        Notification.created_at,
        now - STUCK_PAGE,
        Notification.state,
        UNSENT,
        where=(Notification.purpose.in_(PAGING_PURPOSES),),
        strictly=True,
    )


def watchdog_due(now: datetime) -> ColumnElement[bool]:
    """True when any of the three checks has something to look at (see app/db/due.py)."""
    return or_(_overdue(now).probe(), select(Alert.id).where(*_broken()).exists(), _stuck(now).probe())


def _overdue_steps(now: datetime) -> int:
    overdue = db.session.execute(select(Alert.id, Alert.fence, Alert.next_step_at).where(*_overdue(now).rows())).all()
    for row in overdue:
        log.warning("watchdog: alert %s step overdue since %s; running it now", row.id, row.next_step_at)
        advance(row.id, row.fence, now)
        db.session.commit()
    return len(overdue)


def _broken_alerts(now: datetime) -> int:
    """A running escalation with no next step time would never move again: restart its clock."""
    broken = db.session.scalars(select(Alert).where(*_broken())).all()
    for alert in broken:
        log.error("watchdog: alert %s was running with no next step; scheduling it now", alert.id)
        alert.next_step_at = now
    return len(broken)


def _stuck_pages(now: datetime) -> int:
    """Pages still unsent long after they were queued (Twilio down, bad credentials): no retry of
    ours can fix that, so the centre's admins hear about it, once per alert per hour."""
    stuck = db.session.scalars(select(Notification).where(*_stuck(now).rows())).all()
    for alert_id in dict.fromkeys(n.alert_id for n in stuck if n.alert_id):
        alert = db.session.get_one(Alert, alert_id)
        hour = now.strftime("%Y%m%d%H")
        for admin in center_admins(alert.center_id):
            if admin.phone:
                outbox.queue(
                    dedupe_key=f"watchdog:{alert_id}:{hour}:{admin.id}",
                    purpose="watchdog",
                    to_phone=admin.phone,
                    now=now,
                    alert_id=alert_id,
                    staff_id=admin.id,
                    body=f"VIGIL WATCHDOG: pages for alert {alert.ack_code} are not going out "
                    f"(SMS provider failing?). Check the alert queue now.",
                )
        log.error("watchdog: pages for alert %s unsent for over %s", alert_id, STUCK_PAGE)
    return len(stuck)
