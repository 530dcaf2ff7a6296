"""Pages go out ahead of routine messages: after a burst or a reminder peak thousands of
reminders are due, and a page queued behind them must not wait for them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification
from app.services import outbox


def _queue(key: str, purpose: str, now):
    outbox.queue(dedupe_key=key, purpose=purpose, to_phone="+16175550100", body=key, now=now)


def test_a_page_is_claimed_before_reminders_queued_earlier(app, frozen_clock):
    now = frozen_clock.advance(seconds=0)
    for i in range(120):
        _queue(f"reminder-{i}", "reminder", now - timedelta(minutes=10))
    _queue("page", "page", now)
    _queue("watchdog", "watchdog", now)
    db.session.commit()

    claimed = outbox.claim_due(now)
    purposes = [db.session.get(Notification, i).purpose for i, _token in claimed]
    assert purposes[:2] == ["page", "watchdog"]
    assert purposes[2:] == ["reminder"] * (outbox.ROUTINE_CLAIM - 2)  # small batches: 50 messages in all


def test_one_dispatch_still_sends_a_whole_batch_of_routine_messages(app, frozen_clock):
    now = frozen_clock.advance(seconds=0)
    for i in range(outbox.CLAIM_BATCH + 30):
        _queue(f"reminder-{i}", "reminder", now)
    db.session.commit()

    result = outbox.dispatch_due(now)
    assert result.sent == outbox.CLAIM_BATCH
    pending = db.session.scalar(select(func.count()).select_from(Notification).where(Notification.state == "pending"))
    assert pending == 30
