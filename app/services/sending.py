"""The clock's concurrent sender: N threads hand claimed messages to Twilio under an
account rate, pages first, slowing down when Twilio answers 429.

Claims and leases are the outbox's (`outbox.claim_due`'s pieces, `outbox.send_claimed`): this
module only decides when and on which thread a claimed message is sent. A message is in memory
only between its claim and its send, at most `2 x concurrency` routine ones at a time, far less
than the lease: a kill -9 leaves them `sending`, and `release_stale_leases` gives them back.

- Pages first, in their own lane: claimed pages (and calls, watchdog texts) wait in a queue of
  their own, sent by `PAGE_LANE_THREADS` threads that never send a routine message, so a page
  never waits for a routine send to finish. A page's send slot is taken ahead of every routine
  slot not yet reached (`RateLimiter.reserve(urgent=True)`), and pushes the routine schedule
  back by one slot, so pages and reminders share one SMS_MAX_PER_SECOND budget. A routine thread
  whose slot came while a page waits sends the page instead.
- The rate: sends are spaced 1/rate apart across the threads (a pacing limiter, no bursts).
- Outcomes in batches: a routine text Twilio accepted is recorded by one recorder thread
  together with the others accepted meanwhile (`outbox.record_sent_many`: one transaction,
  one commit, for all of them), so a sender thread is free for its next send as soon as Twilio
  answers instead of after a commit of its own. A kill -9 before that commit leaves those few
  claimed, and their lease gives them back: a reminder goes out at most twice, as when a kill cut
  a request short. Pages, calls, failures and 429s are recorded by the sending thread, at once.
- 429: Twilio did not process the request. The message goes back to pending at Retry-After
  (outbox._record_throttled), the whole sender pauses that long and halves its rate; each
  success afterwards adds back 1/s up to the configured rate (additive increase, as TCP).
"""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import Flask

from app.extensions import db
from app.services import outbox
from app.timesource import utcnow

log = logging.getLogger("vigil.outbox")

URGENT, ROUTINE = 0, 1
MIN_RATE = 1.0
PAGE_LANE_THREADS = 4  # pages in flight at once beside the routine threads (a burst queues thousands)


class RateLimiter:
    """Hands out send slots `1/rate` apart to any number of threads; `throttled` pauses every
    thread for Retry-After and halves the rate, `succeeded` creeps it back up."""

    def __init__(self, rate: float, monotonic=time.monotonic) -> None:  # noqa: ANN001
        self.ceiling = max(MIN_RATE, float(rate))
        self.rate = self.ceiling
        self._next = 0.0  # the next routine slot
        self._next_urgent = 0.0  # the next page slot
        self._paused_until = 0.0  # Twilio's Retry-After: pages wait it out too
        self._lock = threading.Lock()
        self._monotonic = monotonic

    def reserve(self, urgent: bool = False) -> float:
        """The monotonic time of this caller's slot (the caller waits until then). An urgent slot
        comes ahead of the routine slots not yet reached, which move back by one interval: pages
        and routine messages together stay within the rate."""
        with self._lock:
            now = self._monotonic()
            step = 1.0 / self.rate
            if urgent:
                slot = max(now, self._paused_until, self._next_urgent)
                self._next_urgent = slot + step
                self._next = max(self._next, slot) + step
                return slot
            slot = max(now, self._next)
            self._next = slot + step
            return slot

    def throttled(self, retry_after: float | None) -> None:
        with self._lock:
            self.rate = max(MIN_RATE, self.rate / 2)
            until = self._monotonic() + (retry_after if retry_after is not None else outbox.THROTTLE_WAIT_SECONDS)
            self._next = max(self._next, until)
            self._paused_until = max(self._paused_until, until)
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
    """`concurrency` routine sender threads and `page_threads` page threads, fed by `feed()`
    (the dispatcher loop: pages and routine messages) and `feed_pages()` (the page lane's own
    claimer, woken at once when a page is queued): they claim, the threads send."""

    def __init__(self, app: Flask, *, concurrency: int, rate: float, page_threads: int = PAGE_LANE_THREADS) -> None:
        self.app = app
        self.concurrency = max(1, concurrency)
        self.limiter = RateLimiter(rate)
        # Claimed messages waiting for a thread, each queue in claim order. A routine thread takes
        # a page first when one waits (a burst queues thousands of pages and few routine messages).
        self.pages: deque[_Item] = deque()
        self.waiting: deque[_Item] = deque()
        # One lock, two conditions: a page thread is woken only for a page, a routine thread for
        # either (a wake-up a page thread took for a routine message would be lost).
        queues = threading.Lock()
        self._work_ready = threading.Condition(queues)  # routine threads wait here
        self._page_ready = threading.Condition(queues)  # page threads wait here
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._routine_in_hand = 0
        self._in_hand = 0
        self._idle = threading.Condition(self._lock)
        self.outcomes: dict[str, int] = {}
        self._stop = threading.Event()
        self._accepted: list[tuple[_Item, outbox.Sent]] = []  # for the recorder
        self._recording = threading.Condition()
        self._recorder_stop = False
        self._recorder = threading.Thread(target=self._record_accepted, name="recorder", daemon=True)
        self._recorder.start()
        self._threads = [
            threading.Thread(target=self._work, name=f"sender-{i}", daemon=True) for i in range(self.concurrency)
        ]
        self._page_threads = [
            threading.Thread(target=self._work_pages, name=f"pager-{i}", daemon=True)
            for i in range(max(1, page_threads))
        ]
        for thread in [*self._threads, *self._page_threads]:
            thread.start()

    # ---- the feeding side (the dispatcher loop, the page lane) ------------------------------------

    @property
    def routine_room(self) -> int:
        with self._lock:
            return max(0, 2 * self.concurrency - self._routine_in_hand)

    @property
    def page_room(self) -> int:
        """How many more pages may be claimed: a burst's thousands of pages are claimed as they can
        be sent, not all at once (a claim held longer than the lease would be sent twice)."""
        with self._lock:
            held = self._in_hand - self._routine_in_hand
        return max(0, 2 * (self.concurrency + len(self._page_threads)) - held)

    @property
    def in_hand(self) -> int:
        with self._lock:
            return self._in_hand

    def feed(self, pages: bool = True) -> int:
        """Claim what is due (pages first unless the page lane claims them, routine messages up to
        the room in hand) and hand it to the sender threads. Returns how many were claimed."""
        now = utcnow()
        token = secrets.token_hex(16)
        urgent = outbox._claim(now, token, min(self.page_room, outbox.CLAIM_BATCH), urgent=True) if pages else []
        room = self.routine_room
        rest = outbox._claim(now, token, min(room, outbox.CLAIM_BATCH), urgent=False) if room else []
        db.session.commit()
        self._hand_over(urgent, rest, token)
        return len(urgent) + len(rest)

    def feed_pages(self) -> int:
        """Claim the due pages (calls, watchdog texts) only: the page lane's claimer."""
        token = secrets.token_hex(16)
        urgent = outbox._claim(utcnow(), token, min(self.page_room, outbox.CLAIM_BATCH), urgent=True)
        db.session.commit()
        self._hand_over(urgent, [], token)
        return len(urgent)

    def _hand_over(self, urgent: list[int], rest: list[int], token: str) -> None:
        for priority, ids in ((URGENT, sorted(urgent)), (ROUTINE, sorted(rest))):
            for notification_id in ids:
                self._put(_Item(priority, next(self._seq), notification_id, token))

    def _put(self, item: _Item) -> None:
        with self._lock:
            self._in_hand += 1
            self._routine_in_hand += item.priority == ROUTINE
        with self._work_ready:
            (self.pages if item.priority == URGENT else self.waiting).append(item)
            if item.priority == URGENT:
                self._page_ready.notify()  # a page thread, or a routine thread whose slot came first
            self._work_ready.notify()

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
        with self._work_ready:
            self._work_ready.notify_all()  # wake each thread
            self._page_ready.notify_all()
        deadline = time.monotonic() + timeout
        for thread in [*self._threads, *self._page_threads]:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._recording:  # what Twilio accepted is recorded before stopping
            self._recorder_stop = True
            self._recording.notify()
        self._recorder.join(max(1.0, deadline - time.monotonic()))
        with self._work_ready:
            left = [*self.pages, *self.waiting]
            self.pages.clear()
            self.waiting.clear()
        if left:
            with self.app.app_context():
                try:
                    outbox.unclaim([(i.notification_id, i.token) for i in left])
                finally:
                    db.session.remove()

    # ---- the sending side ------------------------------------------------------------------

    def _work(self) -> None:
        """A routine thread: the next message (a waiting page first) at the next routine slot; a
        page that arrives while it waits for the slot takes the slot, and the routine message
        waits again."""
        while (item := self._next(pages_only=False)) is not None:
            if not self._wait_for(self.limiter.reserve(urgent=item.priority == URGENT)):
                self._hand_back(item)  # stopping before its slot came: `stop` gives it back to the outbox
                return
            self._send(self._most_urgent(item))

    def _work_pages(self) -> None:
        """A page-lane thread: pages only, each at the next urgent slot (ahead of routine slots)."""
        while (item := self._next(pages_only=True)) is not None:
            if not self._wait_for(self.limiter.reserve(urgent=True)):
                self._hand_back(item)
                return
            self._send(item)

    def _next(self, *, pages_only: bool) -> _Item | None:
        """The next claimed message for this thread, waiting for one; None when stopping."""
        with self._work_ready:
            while not self._stop.is_set():
                if self.pages:
                    return self.pages.popleft()
                if self.waiting and not pages_only:
                    return self.waiting.popleft()
                (self._page_ready if pages_only else self._work_ready).wait()
        return None

    def _wait_for(self, slot: float) -> bool:
        """Until the monotonic time `slot`; False when stopping meanwhile."""
        delay = slot - time.monotonic()
        return not (delay > 0 and self._stop.wait(delay))

    def _send(self, item: _Item) -> None:
        outcome = "skipped"
        try:
            with self.app.app_context():
                try:
                    outcome = outbox.send_claimed(
                        item.notification_id,
                        item.token,
                        utcnow(),
                        on_throttle=self.limiter.throttled,
                        defer_sent=lambda sent: self._defer(item, sent),
                    )
                except Exception:  # noqa: BLE001 - one message's failure must not stop the sender
                    db.session.rollback()
                    log.exception("sending message %s failed; its lease will give it back", item.notification_id)
                finally:
                    db.session.remove()
        finally:
            if outcome != outbox.DEFERRED:  # else the recorder finishes it
                self._finished(item, outcome)

    def _finished(self, item: _Item, outcome: str) -> None:
        if outcome == "sent":
            self.limiter.succeeded()
        self._done(item, outcome)

    def _defer(self, item: _Item, sent: outbox.Sent) -> None:
        with self._recording:
            self._accepted.append((item, sent))
            self._recording.notify()

    def _record_accepted(self) -> None:
        """The recorder: everything accepted since its last commit, in one transaction; while it
        commits, the next batch gathers (no timer: batches are as large as the commits are slow)."""
        while True:
            with self._recording:
                while not self._accepted and not self._recorder_stop:
                    self._recording.wait()
                batch, self._accepted = self._accepted, []
                if not batch and self._recorder_stop:
                    return
            outcomes = ["skipped"] * len(batch)
            with self.app.app_context():
                try:
                    outcomes = outbox.record_sent_many([sent for _, sent in batch])
                except Exception:  # noqa: BLE001 - the sender goes on; their leases give these back
                    db.session.rollback()
                    log.exception("recording %d sent messages failed; their leases will give them back", len(batch))
                finally:
                    db.session.remove()
            for (item, _), outcome in zip(batch, outcomes, strict=True):
                self._finished(item, outcome)

    def _hand_back(self, item: _Item) -> None:
        with self._work_ready:
            (self.pages if item.priority == URGENT else self.waiting).appendleft(item)

    def _most_urgent(self, item: _Item) -> _Item:
        """A page still waiting when this routine slot came takes the slot."""
        if item.priority == URGENT:
            return item
        with self._work_ready:
            if not self.pages:
                return item
            self.waiting.appendleft(item)
            return self.pages.popleft()

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
