"""Twilio down for a stretch: the stand-in is stopped, then answers 500, then
is back. Every page is delivered after recovery, attempts back off exponentially meanwhile, and
the escalation moves on to its next step while nothing can be sent.

Backoff (10 s doubling to 10 minutes) and escalation waits (15 minutes) are too long to wait for,
so the sweeps run in the test process, tick by tick on a moved clock (the same code path as
`flask scheduler tick --now`), while the Twilio stand-in is a real Prism process that the test
really stops and starts; the app sends through the real twilio SDK over HTTP.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, DeliveryAttempt, Notification, Patient
from app.scheduling.sweeps import run_all_sweeps
from app.services.outbox import BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS
from app.services.reports import record_report
from tests.support.faults import FEVER, make_phones, tally

STAND_IN_STOPPED = timedelta(minutes=6)  # then it answers 500 until...
RECOVERY = timedelta(minutes=16)  # ...past the first escalation wait (15 minutes), then all is well
MAX_TICK = timedelta(seconds=60)
DRAIN_LIMIT = timedelta(minutes=45)


def _next_tick(now: datetime, boundaries: list[datetime]) -> datetime:
    """The next moment anything is due: a message's retry, an escalation step, a phase change."""
    due = db.session.scalar(select(func.min(Notification.due_at)).where(Notification.state == "pending"))
    step = db.session.scalar(select(func.min(Alert.next_step_at)).where(Alert.escalation_state == "running"))
    candidates = [t for t in (due, step, *boundaries) if t is not None and t > now]
    return max(now + timedelta(seconds=1), min([now + MAX_TICK, *candidates]))


def _unsent() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.state.in_(("pending", "sending")))
    )


def _gaps(attempts: list[DeliveryAttempt]) -> list[float]:
    return [(b.at - a.at).total_seconds() for a, b in zip(attempts, attempts[1:], strict=False)]


def _expected_gap(attempt_number: int) -> tuple[float, float]:
    """Bounds of the wait after the n-th failed attempt: base * 2^(n-1), capped, with +-20 % jitter."""
    nominal = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt_number - 1))
    return 0.8 * nominal - 1, 1.2 * nominal + 1


@pytest.mark.slow
def test_twilio_down_then_failing_then_back_delivers_every_page_with_backoff_and_escalation_moving_on(
    sending_app, prism, twilio_api, make_center, make_staff, on_call, frozen_clock, figures
):
    center = make_center()
    nurse = on_call(center, make_staff("nurse", center, phone="+16175550131"))
    clinician = make_staff("clinician", center, phone="+16175550132")
    admin = make_staff("admin", center, phone="+16175550133")
    phones = make_phones(center, 2)
    wall = time.monotonic()
    t0 = frozen_clock.now
    prism.stop()
    for phone in phones:
        record_report(
            db.session.get(Patient, phone.patient_id),
            {"client_id": str(uuid.uuid4()), "recorded_at": t0, "vitals": dict(FEVER)},
            source="app",
        )
    alert_ids = list(db.session.scalars(select(Alert.id)))

    failing_rule = None
    recovered_seen: dict[int, int] = {}
    now, ticks = t0, 0
    boundaries = [t0 + STAND_IN_STOPPED, t0 + RECOVERY]
    while now < t0 + DRAIN_LIMIT:
        if failing_rule is None and now >= t0 + STAND_IN_STOPPED and now < t0 + RECOVERY:
            failing_rule = twilio_api.respond_with(500)  # before Prism is back: nothing slips through
            prism.start()
        if now >= t0 + RECOVERY and not recovered_seen:
            twilio_api.remove(failing_rule)
            recovered_seen = {a: db.session.get(Alert, a).escalation_step for a in alert_ids}
            accepted_during_outage = len(twilio_api.messages(accepted=True))
        run_all_sweeps(now)
        ticks += 1
        if recovered_seen and _unsent() == 0:
            break
        now = frozen_clock.set(_next_tick(now, boundaries))

    db.session.rollback()
    # Texts only: this outage is of Twilio Messaging; the calls of step 2 go to the voice log backend
    # here (VOICE_BACKEND is not set), and tests/channels covers calls through the stand-in.
    rows = db.session.scalars(
        select(Notification).where(Notification.channel != "call").order_by(Notification.id)
    ).all()
    sent = tally(twilio_api.messages(accepted=True), rows)
    attempts = defaultdict(list)
    for attempt in db.session.scalars(select(DeliveryAttempt).order_by(DeliveryAttempt.id)):
        attempts[attempt.notification_id].append(attempt)
    page_rows = [n for n in rows if n.purpose == "page"]
    first_page = page_rows[0]
    gaps = _gaps(attempts[first_page.id])
    failed_attempts = sum(a.result != "sent" for rows_ in attempts.values() for a in rows_)
    queued_while_down = [n for n in page_rows if t0 < n.created_at < t0 + RECOVERY]
    unanswered = sum(r.status is None for r in twilio_api.messages())
    answered_500 = sum(r.status == 500 for r in twilio_api.messages())
    figures(
        "twilio-outage",
        pages=len(page_rows),
        messages=sent.messages,
        delivered=sent.delivered,
        lost=sent.lost,
        duplicates=sent.duplicates,
        attempts=sum(len(v) for v in attempts.values()),
        failed_attempts=failed_attempts,
        unanswered=unanswered,
        answered_500=answered_500,
        first_page_gaps_s="/".join(f"{g:.0f}" for g in gaps),
        pages_queued_while_down=len(queued_while_down),
        step_at_recovery=max(recovered_seen.values()) + 1,
        drained_after_recovery_min=f"{(now - t0 - RECOVERY).total_seconds() / 60:.1f}",
        ticks=ticks,
        wall_s=f"{time.monotonic() - wall:.0f}",
    )

    # Nothing got through while Twilio was down, and everything did once it was back.
    assert accepted_during_outage == 0
    assert unanswered > 0 and answered_500 > 0 and unanswered + answered_500 == failed_attempts
    assert {n.state for n in rows} == {"sent"}, [(n.purpose, n.state) for n in rows if n.state != "sent"]
    assert (sent.lost, sent.duplicates) == (0, 0), (sent.lost_keys, sent.duplicate_keys)
    assert all(n.sent_at >= t0 + RECOVERY for n in rows)
    # Backoff: every wait between two attempts of one message is the exponential step, jittered.
    assert len(gaps) >= 6 and max(gaps) > 300, gaps
    for row in rows:
        for number, gap in enumerate(_gaps(attempts[row.id]), start=1):
            low, high = _expected_gap(number)
            assert low <= gap <= high, (row.purpose, number, gap)
    # Escalation moved on meanwhile: the clinicians were paged (queued) at step 2 while Twilio was down,
    # and the watchdog told the admin that pages were not going out.
    assert set(recovered_seen.values()) == {1}, recovered_seen
    assert {n.to_phone for n in queued_while_down} == {clinician.phone}
    assert {n.to_phone for n in rows if n.purpose == "watchdog"} == {admin.phone}
    assert {n.to_phone for n in page_rows if n.escalation_step == 0} == {nurse.phone}
