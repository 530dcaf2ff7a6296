"""The clock's concurrent sender: N threads hand claimed messages to Twilio under an
account rate, pages first, slowing down when Twilio answers 429.

Claims and leases are the outbox's (`outbox.claim_due`'s pieces, `outbox.send_claimed`): this
module only decides when and on which thread a claimed message is sent. A message is in memory
only between its claim and its send, at most `2 x concurrency` routine ones at a time, far less
than the lease: a kill -9 leaves them `sending`, and `release_stale_leases` gives them back.

- Pages first: every loop claims the due pages (and calls, watchdog texts) before topping up
  the routine messages in hand; a sender thread that got a slot picks the most urgent message
  waiting at that moment, so a page queued mid-wave waits for one free slot, not for the wave.
- The rate: sends are spaced 1/rate apart across the threads (a pacing limiter, no bursts).
- 429: Twilio did not process the request. The message goes back to pending at Retry-After
  (outbox._record_throttled), the whole sender pauses that long and halves its rate; each
  success afterwards adds back 1/s up to the configured rate (additive increase, as TCP).
"""

from __future__ import annotations

import itertools
import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field

from flask import Flask

from app.extensions import db
from app.services import outbox
from app.timesource import utcnow

log = logging.getLogger("vigil.outbox")

URGENT, ROUTINE = 0, 1
MIN_RATE = 1.0


class RateLimiter:
    """Hands out send slots `1/rate` apart to any number of threads; `throttled` pauses every
    thread for Retry-After and halves the rate, `succeeded` creeps it back up."""

    def __init__(self, rate: float, monotonic=time.monotonic) -> None:  # noqa: ANN001
        self.ceiling = max(MIN_RATE, float(rate))
        self.rate = self.ceiling
        self._next = 0.0
        self._lock = threading.Lock()
        self._monotonic = monotonic

    def reserve(self) -> float:
        """The monotonic time of this caller's slot (the caller waits until then)."""
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
            return slot

    def throttled(self, retry_after: float | None) -> None:
        with self._lock:
            self.rate = max(MIN_RATE, self.rate / 2)
            self._next = max(
                self._next,
                self._monotonic() + (retry_after if retry_after is not None else outbox.THROTTLE_WAIT_SECONDS),
            )
        log.warning("Twilio asked us to slow down: %.0f messages/s for now", self.rate)

    def succeeded(self) -> None:
        if self.rate < self.ceiling:
            with self._lock:
                self.rate = min(self.ceiling, self.rate + 1.0)


@dataclass(order=True)
class _Item:
    priority: int
    seq: int
    notification_id: int = field(compare=False)
    token: str = field(compare=False)


class Dispatcher:
    """`concurrency` sender threads fed by `feed()`, which the clock's dispatcher thread calls in
    its loop: it claims, the threads send."""

    def __init__(self, app: Flask, *, concurrency: int, rate: float) -> None:
        self.app = app
        self.concurrency = max(1, concurrency)
        self.limiter = RateLimiter(rate)
        self.waiting: queue.PriorityQueue[_Item] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._routine_in_hand = 0
        self._in_hand = 0
        self._idle = threading.Condition(self._lock)
        self.outcomes: dict[str, int] = {}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, name=f"sender-{i}", daemon=True) for i in range(self.concurrency)
        ]
        for thread in self._threads:
            thread.start()

    # ---- the feeding side (the dispatcher thread) ---------------------------------------------

    @property
    def routine_room(self) -> int:
        with self._lock:
            return max(0, 2 * self.concurrency - self._routine_in_hand)

    @property
    def in_hand(self) -> int:
        with self._lock:
            return self._in_hand

    def feed(self) -> int:
        """Claim what is due (pages first, routine messages up to the room in hand) and hand it to
        the sender threads. Returns how many were claimed."""
        now = utcnow()
        token = secrets.token_hex(16)
        pages = outbox._claim(now, token, outbox.CLAIM_BATCH, urgent=True)
        room = self.routine_room
        rest = outbox._claim(now, token, min(room, outbox.CLAIM_BATCH), urgent=False) if room else []
        db.session.commit()
        for priority, ids in ((URGENT, sorted(pages)), (ROUTINE, sorted(rest))):
            for notification_id in ids:
                self._put(_Item(priority, next(self._seq), notification_id, token))
        return len(pages) + len(rest)

    def _put(self, item: _Item) -> None:
        with self._lock:
            self._in_hand += 1
            self._routine_in_hand += item.priority == ROUTINE
        self.waiting.put(item)

    def wait_idle(self, timeout: float) -> bool:
        """Until every message handed over has been sent (or timeout); for tests and stopping."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_hand:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self, timeout: float = 15.0) -> None:
        """Let the threads finish their current send, and give what is still waiting back to the
        outbox at once (a stopped clock's claims would otherwise wait out their lease)."""
        self._stop.set()
        for _ in self._threads:
            self.waiting.put(_Item(-1, -1, 0, ""))  # wake each thread
        for thread in self._threads:
            thread.join(timeout)
        left = []
        while True:
            try:
                item = self.waiting.get_nowait()
            except queue.Empty:
                break
            if item.priority >= 0:
                left.append(item)
        if left:
            with self.app.app_context():
                try:
                    outbox.unclaim([(i.notification_id, i.token) for i in left])
                finally:
                    db.session.remove()

    # ---- the sending side ------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            item = self.waiting.get()
            if self._stop.is_set() or item.priority < 0:
                self._hand_back(item)
                return
            slot = self.limiter.reserve()
            delay = slot - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                self._hand_back(item)  # stopping before its slot came: `stop` gives it back to the outbox
                return
            item = self._most_urgent(item)
            outcome = "skipped"
            try:
                with self.app.app_context():
                    try:
                        outcome = outbox.send_claimed(
                            item.notification_id, item.token, utcnow(), on_throttle=self.limiter.throttled
                        )
                    except Exception:  # noqa: BLE001 - one message's failure must not stop the sender
                        db.session.rollback()
                        log.exception("sending message %s failed; its lease will give it back", item.notification_id)
                    finally:
                        db.session.remove()
            finally:
                if outcome == "sent":
                    self.limiter.succeeded()
                self._done(item, outcome)

    def _hand_back(self, item: _Item) -> None:
        if item.priority >= 0:
            self.waiting.put(item)

    def _most_urgent(self, item: _Item) -> _Item:
        """A page that arrived while this thread waited for its slot takes the slot."""
        if item.priority == URGENT:
            return item
        try:
            head = self.waiting.get_nowait()
        except queue.Empty:
            return item
        if head < item and head.priority >= 0:
            self.waiting.put(item)
            return head
        self.waiting.put(head)
        return item

    def _done(self, item: _Item, outcome: str) -> None:
        with self._idle:
            self._in_hand -= 1
            self._routine_in_hand -= item.priority == ROUTINE
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
            if not self._in_hand:
                self._idle.notify_all()


def build(app: Flask) -> Dispatcher:
    with app.app_context():
        # Built once, before the threads share them (each is thread-safe once built).
        outbox.sender()
        outbox.push_sender()
        outbox.voice_caller()
    return Dispatcher(
        app,
        concurrency=int(app.config.get("SMS_CONCURRENCY", 25)),
        rate=float(app.config.get("SMS_MAX_PER_SECOND", 100)),
    )
