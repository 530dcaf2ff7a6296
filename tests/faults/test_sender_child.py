"""The clock's sender child (app/scheduling/sender_process.py): it dies with the clock, also on
kill -9 of the clock alone (no orphan keeps sending), the clock starts another when the child
dies, and SIGTERM of the clock drains the child: the sends in flight finish and are recorded, and
every message it had claimed but not started goes back to the outbox at once (no lease to wait).
"""

from __future__ import annotations

import os
import re
import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification
from app.services import outbox
from app.timesource import utcnow
from tests.support.polling import wait_until

CHILD_STARTED = re.compile(r"sender child (\d+) started")


def _queue(n: int, purpose: str = "reminder") -> list[str]:
    phones = [f"+1202557{i:04d}" for i in range(n)]
    for i, phone in enumerate(phones):
        outbox.queue(
            dedupe_key=f"child:{purpose}:{i}",
            purpose=purpose,
            to_phone=phone,
            body=f"Vigil {purpose} {i}",
            now=utcnow(),
        )
    db.session.commit()
    return phones


def _children(log: str) -> list[int]:
    return [int(pid) for pid in CHILD_STARTED.findall(log)]


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _count(*states: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.state.in_(states)))


@pytest.mark.slow
def test_the_sender_child_dies_when_the_clock_is_killed_with_9(clocks, twilio_api, figures):
    twilio_api.latency = 0.2
    _queue(300)
    clocks.env.update({"SMS_MAX_PER_SECOND": "20", "SMS_CONCURRENCY": "5"})
    proc = clocks.start()
    wait_until(lambda: _children(clocks.log_of(0)), timeout=60, interval=0.05, what="the sender child to start")
    [child] = _children(clocks.log_of(0))
    wait_until(lambda: twilio_api.messages(accepted=True), timeout=60, interval=0.05, what="the child to send")
    assert _alive(child)
    os.kill(proc.pid, signal.SIGKILL)  # the clock alone: the child is not in the signal's way
    proc.wait(10)
    wait_until(lambda: not _alive(child), timeout=30, interval=0.1, what="the orphaned sender child to exit")
    sent_at_death = len(twilio_api.messages(accepted=True))
    figures("sender-child-kill-9", sent_before_the_child_died=sent_at_death)
    assert len(twilio_api.messages(accepted=True)) == sent_at_death, "nothing sent after the child exited"


@pytest.mark.slow
def test_the_clock_starts_another_sender_child_when_it_dies(clocks, twilio_api):
    phones = _queue(40)
    clocks.env.update({"SMS_MAX_PER_SECOND": "20", "SMS_CONCURRENCY": "4"})
    clocks.start()
    wait_until(lambda: _children(clocks.log_of(0)), timeout=60, interval=0.05, what="the sender child to start")
    os.kill(_children(clocks.log_of(0))[0], signal.SIGKILL)
    wait_until(lambda: len(_children(clocks.log_of(0))) == 2, timeout=30, interval=0.1, what="a second child")
    wait_until(lambda: _count("pending") == 0, timeout=60, interval=0.2, what="the second child to send")
    accepted = Counter(r.form["To"] for r in twilio_api.messages(accepted=True))
    assert set(accepted) <= set(phones)


@pytest.mark.slow
def test_sigterm_of_the_clock_drains_its_sender_child(clocks, twilio_api, figures):
    twilio_api.latency = 0.2
    _queue(200)
    clocks.env.update({"SMS_MAX_PER_SECOND": "10", "SMS_CONCURRENCY": "5"})  # a 20 s wave
    proc = clocks.start()
    wait_until(lambda: _children(clocks.log_of(0)), timeout=60, interval=0.05, what="the sender child to start")
    [child] = _children(clocks.log_of(0))
    wait_until(lambda: len(twilio_api.messages(accepted=True)) >= 10, timeout=60, interval=0.05, what="sending")
    os.kill(proc.pid, signal.SIGTERM)  # the clock alone: it must stop its child itself
    assert proc.wait(40) == 0
    assert not _alive(child), "the sender child outlived the clock"
    accepted = len(twilio_api.messages(accepted=True))
    figures("sender-child-sigterm", sent=accepted, pending=_count("pending"), sending=_count("sending"))
    assert _count("sending") == 0, "a claimed message was left to wait out its lease"
    assert _count("sent") == accepted, "every message Twilio took is recorded as sent"
    assert _count("pending") == 200 - accepted
    assert "sender child: signal" in clocks.log_of(0)
