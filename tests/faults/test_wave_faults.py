"""Faults during the 08:00 wave: real clock processes sending concurrently (threads,
SMS_CONCURRENCY) at a rate (SMS_MAX_PER_SECOND) through the recording proxy at Twilio's latency.

- kill -9 of a clock in the middle of a concurrent batch: nothing is lost, the pages (sent first)
  go out once, and a reminder goes out at most twice (the kill cut its send short after Twilio
  had it: at-least-once, one duplicate per kill at most);
- two clocks share a wave, with pages queued while it drains: every message once;
- a storm of 429s: the clock slows down and drops nothing.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification
from app.services import outbox
from app.services.outbox import LEASE
from app.timesource import utcnow
from tests.support.polling import wait_until

WAVE_ENV = {"SMS_MAX_PER_SECOND": "100", "SMS_CONCURRENCY": "20"}


def _queue(n: int, purpose: str, start: int = 0) -> list[str]:
    phones = [f"+1202556{i:04d}" for i in range(start, start + n)]
    for i, phone in zip(range(start, start + n), phones, strict=True):
        outbox.queue(
            dedupe_key=f"wave:{purpose}:{i}",
            purpose=purpose,
            to_phone=phone,
            body=f"Vigil wave {purpose} {i}",
            now=utcnow(),
        )
    db.session.commit()
    return phones


def _count(*states: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.state.in_(states)))


def _count_purpose(purpose: str, state: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.purpose == purpose, Notification.state == state)
    )


def _accepted(twilio_api) -> Counter:  # noqa: ANN001
    return Counter(r.form["To"] for r in twilio_api.messages(accepted=True))


@pytest.mark.slow
def test_kill_9_during_a_concurrent_batch_loses_nothing(clocks, twilio_api, figures):
    twilio_api.latency = 0.2
    pages = _queue(20, "page", start=5000)
    reminders = _queue(1200, "reminder")  # 12 s at 100/s: still sending when the pages are done
    clocks.env.update(WAVE_ENV)
    proc = clocks.start()
    wait_until(
        lambda: len(twilio_api.messages(accepted=True)) >= 150,
        timeout=60,
        interval=0.05,
        what="the wave to be under way",
    )
    # The pages went out first; the kill is to land among reminders, so wait until every page's
    # outcome is recorded (a page still in flight at a kill may go out twice: at-least-once, by design).
    # ...and the kill must find reminders claimed, or it tests nothing (on a slow machine the pages'
    # outcomes can be recorded after a short wave has drained).
    wait_until(
        lambda: _count_purpose("page", "sent") == len(pages) and _count("sending") > 0,
        timeout=60,
        interval=0.05,
        what="every page to be recorded as sent while reminders are in flight",
    )
    in_flight = _count("sending")
    clocks.kill9(proc)  # lands with up to 2 x SMS_CONCURRENCY messages claimed, 20 of them mid-request
    clocks.start()
    wait_until(
        lambda: _count("pending", "sending") == 0,
        timeout=LEASE.total_seconds() + 120,
        interval=0.5,
        what="every message, the killed clock's claims included, to be sent",
    )
    clocks.stop_all()
    accepted = _accepted(twilio_api)
    figures(
        "wave-kill-9",
        messages=len(pages) + len(reminders),
        sending_at_kill=in_flight,
        lost=sum(1 for p in [*pages, *reminders] if not accepted[p]),
        duplicates=sum(v - 1 for v in accepted.values() if v > 1),
    )
    assert in_flight > 0, "the kill landed with nothing claimed: the test did not test the fault"
    assert all(accepted[p] == 1 for p in pages), (
        "each page once (pages go out ahead of the wave)",
        {p: accepted[p] for p in pages if accepted[p] != 1},
    )
    assert all(1 <= accepted[r] <= 2 for r in reminders), "no reminder lost, none sent more than once per kill"
    assert _count("sent") == len(pages) + len(reminders)


@pytest.mark.slow
@pytest.mark.postgres_only
def test_two_clocks_share_a_wave_and_send_everything_once(clocks, twilio_api, figures):
    twilio_api.latency = 0.2
    reminders = _queue(600, "reminder")
    clocks.env.update(WAVE_ENV)
    clocks.start()
    clocks.start()
    wait_until(
        lambda: len(twilio_api.messages(accepted=True)) >= 100,
        timeout=60,
        interval=0.05,
        what="the wave to be under way",
    )
    pages = _queue(10, "page", start=5000)  # mid-wave
    wait_until(lambda: _count("pending", "sending") == 0, timeout=120, interval=0.2, what="the wave to drain")
    clocks.stop_all()
    accepted = _accepted(twilio_api)
    logs = [clocks.log_of(0), clocks.log_of(1)]
    figures(
        "wave-two-clocks",
        messages=len(pages) + len(reminders),
        lost=sum(1 for p in [*pages, *reminders] if not accepted[p]),
        duplicates=sum(v - 1 for v in accepted.values() if v > 1),
    )
    assert all(accepted[p] == 1 for p in [*pages, *reminders]), "every message exactly once"
    assert all("dispatch: sent=" in log for log in logs), "both clocks were sending"


@pytest.mark.slow
def test_a_429_storm_slows_the_clock_and_drops_nothing(clocks, twilio_api, figures):
    twilio_api.latency = 0.05
    twilio_api.throttle(0.3, retry_after=1)
    reminders = _queue(150, "reminder")
    pages = _queue(5, "page", start=5000)
    clocks.env.update(WAVE_ENV)
    started = time.monotonic()
    clocks.start()
    wait_until(lambda: _count("pending", "sending") == 0, timeout=120, interval=0.2, what="the wave to drain")
    clocks.stop_all()
    accepted = _accepted(twilio_api)
    refused = sum(1 for r in twilio_api.messages() if r.status == 429)
    figures(
        "wave-429-storm",
        messages=len(reminders) + len(pages),
        refused_429=refused,
        failed=_count("failed"),
        seconds=f"{time.monotonic() - started:.0f}",
    )
    assert refused > 30, "the storm did not happen"
    assert all(accepted[p] == 1 for p in [*reminders, *pages]), "every message once, none dropped"
    assert _count("failed") == 0
    assert "Twilio asked us to slow down" in clocks.logs()
