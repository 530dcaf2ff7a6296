"""The clock's concurrent sender: N requests in flight under an account rate, pages
ahead of every waiting reminder, Twilio's 429s slowing it down without dropping anything. Run in
process against the real SDK, the recording proxy (with Twilio's latency) and Prism."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from app import timesource
from app.extensions import db
from app.models import Notification
from app.services import outbox
from app.services.sending import Dispatcher, RateLimiter
from app.timesource import utcnow
from tests.support.polling import wait_until


@pytest.fixture
def wall_clock() -> Iterator[None]:
    timesource.set_fixed(None)  # the sender paces by the wall clock, and Retry-After is real seconds
    yield


@pytest.fixture
def dispatcher(twilio_app: Flask, wall_clock) -> Iterator[Callable[..., Dispatcher]]:
    made: list[Dispatcher] = []

    def make(concurrency: int, rate: float) -> Dispatcher:
        made.append(Dispatcher(twilio_app, concurrency=concurrency, rate=rate))
        return made[-1]

    yield make
    for one in made:
        one.stop()


def _queue(n: int, purpose: str = "reminder", start: int = 0) -> list[str]:
    phones = []
    for i in range(start, start + n):
        phone = f"+1202555{i:04d}"
        outbox.queue(
            dedupe_key=f"wave:{purpose}:{i}",
            purpose=purpose,
            to_phone=phone,
            body=f"Vigil: time for your check-in ({purpose} {i})",
            now=utcnow(),
        )
        phones.append(phone)
    db.session.commit()
    return phones


def _left() -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.state.in_(("pending", "sending")))
    )


def _drive(dispatcher: Dispatcher, timeout: float, until: Callable[[], bool] = lambda: _left() == 0) -> None:
    """The clock's dispatcher loop, in the test thread: claim, let the threads send, poll."""
    wait_until(lambda: (dispatcher.feed(), until())[1], timeout=timeout, interval=0.05, what="the wave to drain")
    assert dispatcher.wait_idle(10)


def test_a_wave_is_sent_concurrently_once_each(twilio_api, dispatcher):
    twilio_api.latency = 0.2
    phones = _queue(60)
    started = time.monotonic()
    _drive(dispatcher(10, 100), timeout=60)
    took = time.monotonic() - started
    accepted = Counter(r.form["To"] for r in twilio_api.messages(accepted=True))
    assert accepted == Counter(phones), "each reminder handed to Twilio exactly once"
    assert db.session.scalar(select(func.count()).where(Notification.state == "sent")) == 60
    # One at a time, 60 answers of 200 ms take 12 s; ten at once, ~1.2 s plus the machine's noise.
    assert took < 6, f"{took:.1f} s for 60 messages at 200 ms each: not concurrent"


def test_the_rate_is_kept(twilio_api, dispatcher):
    _queue(30)
    started = time.monotonic()
    _drive(dispatcher(8, 20), timeout=30)
    took = time.monotonic() - started
    assert len(twilio_api.messages(accepted=True)) == 30
    assert took >= 29 / 20 * 0.95, f"30 messages at 20/s took {took:.2f} s: faster than the rate"


def test_a_page_queued_mid_wave_goes_out_ahead_of_every_waiting_reminder(twilio_api, dispatcher):
    twilio_api.latency = 0.2
    _queue(120)
    sender = dispatcher(4, 20)  # a 6 s wave
    _drive(sender, timeout=30, until=lambda: len(twilio_api.messages(accepted=True)) >= 10)
    [page_phone] = _queue(1, purpose="page", start=9000)
    _drive(sender, timeout=10, until=lambda: bool(twilio_api.messages(accepted=True, to=page_phone)))
    order = [r.form["To"] for r in twilio_api.messages(accepted=True)]
    before_page = order.index(page_phone)
    reminders_left = _left()
    assert reminders_left > 60, "the page went out while most of the wave was still waiting"
    # Claimed before the page was queued: what the threads held (2 x concurrency) at most.
    assert before_page <= 10 + 2 * 4 + 4, f"the page waited behind {before_page} reminders"
    _drive(sender, timeout=60)
    assert len(twilio_api.messages(accepted=True)) == 121
    assert len(twilio_api.messages(accepted=True, to=page_phone)) == 1


def test_a_429_storm_slows_the_rate_and_drops_nothing(twilio_api, dispatcher):
    twilio_api.throttle(0.3, retry_after=1)
    phones = _queue(40)
    [page_phone] = _queue(1, purpose="page", start=9000)
    sender = dispatcher(5, 50)
    rates: list[float] = []
    _drive(sender, timeout=90, until=lambda: (rates.append(sender.limiter.rate), _left() == 0)[1])
    refused = [r for r in twilio_api.messages() if r.status == 429]
    accepted = Counter(r.form["To"] for r in twilio_api.messages(accepted=True))
    assert refused, "the stand-in answered no 429: the test did not test the storm"
    assert accepted == Counter([*phones, page_phone]), "every message handed over once, none dropped"
    states = Counter(db.session.scalars(select(Notification.state)))
    assert states == {"sent": 41}, states
    assert min(rates) < 50, "the sender never slowed down"
    # Retry-After was kept: a throttled message waited a second, not the 10 s of the backoff.
    assert max(db.session.scalars(select(Notification.attempts))) >= 2


def test_a_reminder_throttled_past_its_attempt_limit_is_still_not_dropped(twilio_app, twilio_api, wall_clock):
    [phone] = _queue(1)
    row = db.session.scalar(select(Notification).where(Notification.to_phone == phone))
    row.attempts = outbox.MAX_ATTEMPTS_NON_PAGE + 3
    db.session.commit()
    twilio_api.throttle(1.0, retry_after=1)
    result = outbox.dispatch_due(utcnow())
    db.session.refresh(row)
    assert result.throttled == 1 and row.state == "pending" and row.error_code == "20429"
    assert row.due_at > utcnow(), "Twilio's Retry-After is kept"
    twilio_api.throttle(0)
    wait_until(lambda: outbox.dispatch_due(utcnow()).sent, timeout=5, interval=0.1, what="the retry")
    db.session.refresh(row)
    assert row.state == "sent" and len(twilio_api.messages(accepted=True, to=phone)) == 1


def test_a_sender_stopped_mid_wave_gives_back_what_it_held(twilio_app, twilio_api, wall_clock):
    twilio_api.latency = 0.2
    _queue(40)
    sender = Dispatcher(twilio_app, concurrency=2, rate=5)  # slow: most of its claim still waiting
    assert sender.feed() == 4  # 2 x concurrency routine messages in hand
    wait_until(lambda: twilio_api.messages(accepted=True), timeout=5, what="a first send")
    sender.stop()
    db.session.rollback()
    states = Counter(db.session.scalars(select(Notification.state)))
    assert states["sending"] == 0, "nothing left claimed to wait out a lease"
    assert states["sent"] == len(twilio_api.messages(accepted=True))
    assert states["pending"] == 40 - states["sent"]
    assert max(db.session.scalars(select(Notification.attempts).where(Notification.state == "pending"))) == 0


def test_the_limiter_halves_on_429_waits_retry_after_and_creeps_back():
    now = [100.0]
    limiter = RateLimiter(10, monotonic=lambda: now[0])
    assert [limiter.reserve() for _ in range(3)] == pytest.approx([100.0, 100.1, 100.2])
    limiter.throttled(2.0)
    assert limiter.rate == 5 and limiter.reserve() == pytest.approx(102.0)
    limiter.succeeded()
    assert limiter.rate == 6
    for _ in range(10):
        limiter.succeeded()
    assert limiter.rate == 10, "never above the configured rate"
    for _ in range(10):
        limiter.throttled(None)
    assert limiter.rate == 1, "never below one a second"


def test_a_page_slot_comes_ahead_of_the_routine_slots_within_the_same_rate():
    now = [100.0]
    limiter = RateLimiter(10, monotonic=lambda: now[0])
    routine = [limiter.reserve() for _ in range(5)]  # 100.0 ... 100.4, handed to waiting threads
    assert limiter.reserve(urgent=True) == pytest.approx(100.0), "the page does not wait for the routine slots"
    assert limiter.reserve() == pytest.approx(100.6), "the routine schedule gave way by one slot"
    assert routine[-1] == pytest.approx(100.4)
    assert limiter.reserve(urgent=True) == pytest.approx(100.1), "pages among themselves keep the rate"
    limiter.throttled(2.0)
    assert limiter.reserve(urgent=True) == pytest.approx(102.0), "a page waits out Twilio's Retry-After too"


def test_the_page_lane_sends_a_page_while_every_routine_thread_is_busy(twilio_api, dispatcher):
    twilio_api.latency = 0.5  # every routine thread is mid-request when the page comes
    _queue(60)
    sender = dispatcher(3, 100)
    sender.feed()  # 6 routine messages in hand, 3 of them in flight
    wait_until(lambda: sender.in_hand and len(twilio_api.requests) >= 3, timeout=10, interval=0.01, what="sends")
    [page_phone] = _queue(1, purpose="page", start=9000)
    queued = time.monotonic()
    assert sender.feed_pages() == 1, "the page lane claims pages only"
    wait_until(lambda: twilio_api.messages(to=page_phone), timeout=5, interval=0.01, what="the page to be sent")
    took = time.monotonic() - queued
    order = [r.form["To"] for r in twilio_api.requests]
    # The routine threads were all waiting on Twilio's 500 ms: the page did not wait for one of them.
    assert order.index(page_phone) <= 6 and took < 0.45, (order.index(page_phone), took)
    _drive(sender, timeout=30)
    assert len(twilio_api.messages(accepted=True, to=page_phone)) == 1


def test_accepted_texts_are_recorded_together_only_where_the_claim_still_holds(app):
    from app.models import DeliveryAttempt

    _queue(3)
    claimed = outbox.claim_due(utcnow())
    (a, token), (b, _), (c, _) = claimed
    lost = db.session.get(Notification, b)
    lost.claim_token = "another-sender"  # its lease ran out and another sender claimed it
    db.session.commit()
    at = utcnow()
    outcomes = outbox.record_sent_many(
        [outbox.Sent(a, token, "SMa", "queued", at), outbox.Sent(b, token, "SMb", "queued", at)]
    )
    assert outcomes == ["sent", "skipped"]
    db.session.expire_all()
    rows = {n.id: n for n in db.session.scalars(select(Notification))}
    assert (rows[a].state, rows[a].provider_sid, rows[a].claim_token) == ("sent", "SMa", None)
    assert (rows[b].state, rows[b].provider_sid, rows[b].claim_token) == ("sending", None, "another-sender")
    assert rows[c].state == "sending", "not in the batch: untouched"
    attempts = list(db.session.scalars(select(DeliveryAttempt)))
    assert [(x.notification_id, x.provider_sid, x.result) for x in attempts] == [(a, "SMa", "sent")]


def test_a_burst_of_pages_uses_every_sender_thread_not_only_the_page_lane(twilio_app, twilio_api, wall_clock):
    twilio_api.latency = 0.2
    phones = _queue(40, purpose="page", start=7000)
    sender = Dispatcher(twilio_app, concurrency=8, rate=100, page_threads=1)
    try:
        started = time.monotonic()
        _drive(sender, timeout=30)
        took = time.monotonic() - started
    finally:
        sender.stop()
    accepted = Counter(r.form["To"] for r in twilio_api.messages(accepted=True))
    assert accepted == Counter(phones), "each page once"
    # The page lane alone (one thread, 200 ms a page) would take 8 s; with the routine threads, ~1 s.
    assert took < 4, f"{took:.1f} s for 40 pages: only the page lane sent them"
    assert sender.page_room <= 2 * (8 + 1)
