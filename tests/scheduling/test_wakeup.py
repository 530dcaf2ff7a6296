"""The dispatcher's wake-up on SQLite: a read-only probe says whether a message is due, so the
claim (a write, which takes SQLite's lock) runs only then."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.scheduling.wakeup import Wakeup
from app.services import outbox


def test_the_probe_finds_a_due_message_and_nothing_else(app, frozen_clock):
    wakeup = Wakeup(db.engine)
    now = frozen_clock.advance(seconds=0)
    assert not wakeup._message_due()
    outbox.queue(
        dedupe_key="later", purpose="reminder", to_phone="+12025550100", body="x", now=now + timedelta(minutes=5)
    )
    db.session.commit()
    assert not wakeup._message_due()  # queued for later
    outbox.queue(dedupe_key="now", purpose="page", to_phone="+12025550101", body="y", now=now)
    db.session.commit()
    assert wakeup._message_due()
    outbox.claim_due(now)  # claimed by a dispatcher: no longer waiting
    assert not wakeup._message_due()
    frozen_clock.advance(minutes=6)
    assert wakeup._message_due()
