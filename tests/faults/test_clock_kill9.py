"""kill -9 of the clock process at random points, 20 times, during a stream of alerts: no page
is lost, and any duplicate is bounded to one per kill and counted.

A real `flask --app wsgi scheduler run` process sends through the Twilio stand-in; the test
process writes the urgent reports (the same service the web workers call) and SIGKILLs the clock
at a random moment after each start, restarting it at once. A message claimed by a killed clock
waits out its lease (outbox.LEASE, 2 minutes) and is then sent by the next one: the drain at the
end takes that long, which is the price of at-least-once delivery without a second process.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import DeliveryAttempt, Notification, Patient
from app.services.outbox import LEASE
from app.services.reports import record_report
from app.timesource import utcnow
from tests.support.faults import FEVER, make_phones, tally
from tests.support.polling import wait_until

KILLS = 20
ALERTS = 400
RATE = 10.0  # alerts a second, so about 20 messages a second: the clock is busy most of its life
# Once a clock says it has started, it lives a random time in this range (seconds) before the
# SIGKILL, which lands wherever it is: claiming, sending, recording, ticking or waiting.
LIFETIME = (0.0, 1.5)


class Stream(threading.Thread):
    """Urgent reports for fresh patients at a steady rate, from the test process, through the
    service the web workers call: each opens an alert that pages the on-call nurse."""

    def __init__(self, app: Flask, patient_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.app, self.patient_ids = app, patient_ids
        self.posted: list[int] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        with self.app.app_context():
            try:
                self._post_all()
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread, which fails
                self.error = exc
            finally:
                db.session.remove()

    def _post_all(self) -> None:
        start = time.monotonic()
        for n, patient_id in enumerate(self.patient_ids):
            pause = start + n / RATE - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            patient = db.session.get(Patient, patient_id)
            record_report(
                patient, {"client_id": str(uuid.uuid4()), "recorded_at": utcnow(), "vitals": dict(FEVER)}, source="app"
            )
            self.posted.append(patient_id)


def _claims_in_flight() -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Notification.claim_token).where(Notification.state == "sending")))


def _drained() -> bool:
    db.session.rollback()
    return (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.state.in_(("pending", "sending")))
        )
        == 0
    )


@pytest.mark.slow
def test_kill_9_of_the_clock_twenty_times_loses_no_page(app, clocks, twilio_api, make_center, on_call, figures):
    rng = random.Random(9)
    center = make_center()
    nurse_phone = on_call(center).phone
    stream = Stream(app, [p.patient_id for p in make_phones(center, ALERTS)])
    started = time.monotonic()
    holding_claims = 0
    # One sender thread: a kill then holds at most one message mid-request, so "one duplicate per
    # kill" is the bound. The concurrent sender's kills are tested in test_wave_faults.py.
    clocks.env.update({"SMS_CONCURRENCY": "1"})
    proc = clocks.start()
    stream.start()
    for n in range(KILLS):
        before = _claims_in_flight()
        wait_until(
            lambda n=n: "clock started" in clocks.log_of(n), timeout=30, interval=0.05, what="the clock to start"
        )
        time.sleep(rng.uniform(*LIFETIME))
        clocks.kill9(proc)
        holding_claims += bool(_claims_in_flight() - before)  # this clock died holding claims
        proc = clocks.start()
    last_kill = time.monotonic()
    stream.join(timeout=ALERTS / RATE + 60)
    assert stream.error is None and not stream.is_alive(), stream.error
    wait_until(_drained, timeout=LEASE.total_seconds() + 90, interval=0.5, what="every claimed message to be sent")
    drain_seconds = time.monotonic() - last_kill
    clocks.stop_all()

    db.session.rollback()
    sent = tally(twilio_api.messages(accepted=True))
    pages = twilio_api.messages(accepted=True, to=nurse_phone)
    per_alert = Counter(re.search(r"/alerts/(\d+)", r.form["Body"]).group(1) for r in pages)
    attempts = db.session.scalar(select(func.count()).select_from(DeliveryAttempt))
    states = Counter(db.session.scalars(select(Notification.state)))
    figures(
        "clock-kill-9",
        kills=KILLS,
        kills_holding_claims=holding_claims,
        alerts=len(stream.posted),
        pages=sent.pages,
        messages=sent.messages,
        delivered=sent.delivered,
        lost=sent.lost,
        duplicates=sent.duplicates,
        attempts=attempts,
        drain_after_last_kill_s=f"{drain_seconds:.0f}",
        seconds=f"{time.monotonic() - started:.0f}",
    )

    assert len(stream.posted) == ALERTS
    assert states == {"sent": sent.messages}, states
    assert sent.lost == 0, sent.lost_keys
    assert len(per_alert) == ALERTS, "an alert's page never reached the stand-in"
    assert sent.duplicates <= KILLS, sent.duplicate_keys
    assert holding_claims > 0, "no kill landed while the clock held claims: the test did not test the fault"
