"""Two clock processes on one database: every page is sent exactly once."""

from __future__ import annotations

import re
import signal
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, Patient
from app.services.reports import record_report
from app.timesource import utcnow
from tests.support.clock_process import clock_env, start_clock
from tests.support.polling import wait_until

ALERTS = 200


def _patients(center, count: int) -> list[Patient]:
    patients = [
        Patient(
            center_id=center.id,
            mrn=f"P{i}",
            name=f"Pat Ient{i}",
            # Not +1617555…: staff numbers (tests/personas.py) live there, and a collision would
            # deliver a patient's text to a nurse.
            phone=f"+1617444{2000 + i:04d}",
            timezone=center.timezone,
            product="yescarta",
            infused_at=utcnow(),
            protocol_id=1,
        )
        for i in range(count)
    ]
    from app.services.protocols import default_protocol_for

    protocol = default_protocol_for("yescarta", "US")
    for p in patients:
        p.protocol_id = protocol.id
    db.session.add_all(patients)
    db.session.commit()
    return patients


@pytest.mark.slow
def test_two_clock_processes_send_each_page_exactly_once(
    database_url, twilio_config, twilio_api, make_center, on_call, tmp_path
):
    from app import timesource

    timesource.set_fixed(None)  # the clock processes use the real time, so the test does too
    center = make_center()
    nurse = on_call(center)
    patients = _patients(center, ALERTS)
    env = clock_env(database_url, twilio_config)
    clocks = [start_clock(env, tmp_path / f"clock{i}.log") for i in range(2)]
    try:
        for patient in patients:
            record_report(
                patient,
                {"client_id": str(uuid.uuid4()), "recorded_at": utcnow(), "vitals": {"temperature_c": 38.8}},
                source="app",
            )

        def all_sent():
            db.session.rollback()
            pending = db.session.scalar(
                select(func.count()).select_from(Notification).where(Notification.state.in_(("pending", "sending")))
            )
            return pending == 0

        wait_until(all_sent, timeout=180, interval=0.5, what="every page to be sent")
    finally:
        for proc in clocks:
            proc.send_signal(signal.SIGTERM)
        for proc in clocks:
            proc.wait(30)
    pages = twilio_api.messages(accepted=True, to=nurse.phone)
    unlinked = [r.form["Body"] for r in pages if not re.search(r"/alerts/(\d+)$", r.form["Body"])]
    assert unlinked == []  # every page to the nurse ends with its alert's link
    per_alert = Counter(re.search(r"/alerts/(\d+)$", r.form["Body"]).group(1) for r in pages)
    assert len(per_alert) == ALERTS
    assert set(per_alert.values()) == {1}, [k for k, v in per_alert.items() if v > 1]
    logs = "".join((tmp_path / f"clock{i}.log").read_text() for i in range(2))
    assert "dispatch: sent=" in logs  # both processes were really at work, not just one
