"""Timestamps are timezone-aware UTC on both databases: SQLite drops the
offset, so the column type re-attaches it, and a naive value is refused rather than guessed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from app.extensions import db
from app.models import Center


def test_an_aware_time_in_any_zone_comes_back_as_the_same_instant_in_utc(make_center):
    center = make_center()
    eastern = timezone(timedelta(hours=-5))
    center.created_at = datetime(2026, 11, 1, 1, 30, tzinfo=eastern)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Center, center.id).created_at
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_a_naive_time_is_refused_and_nothing_changes(make_center):
    center = make_center()
    before = center.created_at
    center.created_at = datetime(2026, 11, 1, 6, 30)  # no tzinfo: local or UTC? we refuse to guess
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Center, center.id).created_at == before
