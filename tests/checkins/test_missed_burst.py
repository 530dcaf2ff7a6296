"""Missed check-ins after a clock outage are raised together, with the same
outcome as one at a time: one active alert per patient holding every miss, a patient's
existing alert grown rather than doubled, one page per alert and step, codes unique per centre."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, CheckIn, Notification
from app.scheduling.sweeps import run_all_sweeps
from app.services.alerts import _pick_ack_code
from tests.personas import report_body

INFUSED = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # 08:00 in New York, day 0


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


def test_an_outage_raises_one_alert_per_patient_with_every_miss(client, make_patient, center, on_call, frozen_clock):
    nurse = on_call(center)
    frozen_clock.set(INFUSED)
    quiet = [make_patient(center, infused_at=INFUSED.isoformat()) for _ in range(3)]
    feverish = make_patient(center, infused_at=INFUSED.isoformat())
    answer = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.9}), headers=feverish.headers
    )
    assert answer.status_code == 201
    before = db.session.scalar(select(Alert).where(Alert.patient_id == feverish.id))
    assert before is not None and before.status == "open"
    pages_before = _pages(before.id)

    run_all_sweeps(INFUSED + timedelta(hours=10, minutes=1))  # the clock was down from 08:00 to 18:01

    everyone = [*quiet, feverish]
    for enrolled in everyone:
        missed = db.session.scalars(
            select(CheckIn).where(CheckIn.patient_id == enrolled.id, CheckIn.state == "missed")
        ).all()
        alerts = db.session.scalars(select(Alert).where(Alert.patient_id == enrolled.id)).all()
        assert len(missed) >= 2, "12:00 and 16:00 both ended unanswered"
        assert len(alerts) == 1, "one active alert per patient, however many misses"
        misses = [f for f in alerts[0].findings if f["rule"] == "R12_missed_check_in"]
        assert len(misses) == len(missed)
    assert db.session.get(Alert, before.id).findings[0]["rule"] != "R12_missed_check_in"  # grown, not replaced
    assert _pages(before.id) == pages_before  # same level: growing it pages no one again
    opened = db.session.scalars(select(Alert).where(Alert.patient_id.in_([p.id for p in quiet]))).all()
    for alert in opened:
        pages = db.session.scalars(select(Notification).where(Notification.alert_id == alert.id)).all()
        assert Counter(n.purpose for n in pages) == {"page": 1, "patient_notice": 1}
        assert [n.to_phone for n in pages if n.purpose == "page"] == [nurse.phone]
        assert f"ACK {alert.ack_code}" in next(n.body for n in pages if n.purpose == "page")
        kinds = [e.kind for e in alert.events]
        assert kinds.count("opened") == 1 and "escalation" in kinds
    codes = [a.ack_code for a in db.session.scalars(select(Alert).where(Alert.status != "resolved"))]
    assert len(codes) == len(set(codes)) == len(everyone)

    run_all_sweeps(INFUSED + timedelta(hours=10, minutes=2))  # the next tick does not page them again
    assert all(len(_pages(a.id)) == 1 for a in opened)


def _pages(alert_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Notification.id).where(Notification.alert_id == alert_id, Notification.purpose == "page")
        )
    )


def test_a_crowded_centre_gets_longer_acknowledgement_codes():
    assert len(_pick_ack_code(lambda code: False)) == 4
    assert len(_pick_ack_code(lambda code: len(code) == 4)) == 5
    with pytest.raises(RuntimeError):
        _pick_ack_code(lambda code: True)
