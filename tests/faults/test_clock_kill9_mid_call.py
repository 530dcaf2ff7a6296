"""kill -9 of the clock in the middle of placing a page's phone call: no call is placed
twice for one step, and none is lost.

A real `flask --app wsgi scheduler run` process places calls through the real twilio SDK to the
Prism stand-in. The recording proxy lets the first call reach Prism (Twilio has placed it) but
keeps the answer, so the clock is caught inside `calls.create`, and the test SIGKILLs it there.
The second call was claimed in the same batch and never left the dead process. Twilio's
`initiated` status callback for the first call then arrives (signed, through the app), and a new
clock starts: once the dead clock's lease expires, the first call counts as placed and is not
placed again, and the second is placed once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import EscalationPolicy, Notification, Patient
from app.services.outbox import LEASE
from app.services.reports import record_report
from app.timesource import utcnow
from tests.support.faults import FEVER, make_phones
from tests.support.fixtures import TEST_AUTH_TOKEN
from tests.support.polling import wait_until

CALL_ONLY = {"steps": [{"notify": ["on_call"], "wait_minutes": 60, "channels": ["call"]}], "repeat": 0}


@pytest.fixture
def signing_app(app: Flask) -> Iterator[Flask]:
    """The test process's app checks Twilio signatures with the stand-in's token, as the web
    workers would."""
    saved = app.config.get("TWILIO_AUTH_TOKEN")
    app.config["TWILIO_AUTH_TOKEN"] = TEST_AUTH_TOKEN
    yield app
    app.config["TWILIO_AUTH_TOKEN"] = saved


def centre_with_a_calling_chain(make_center, on_call) -> tuple[int, str]:
    center = make_center()
    nurse = on_call(center)
    db.session.add(EscalationPolicy(center_id=center.id, content={"urgent": CALL_ONLY, "emergency": CALL_ONLY}))
    db.session.commit()
    return center, nurse.phone


def the_call(phone: str) -> Notification:
    db.session.rollback()
    return db.session.scalar(select(Notification).where(Notification.purpose == "call", Notification.to_phone == phone))


@pytest.mark.slow
def test_kill_9_of_the_clock_mid_call_places_no_call_twice_and_loses_none(
    signing_app, clocks, twilio_api, make_center, on_call, figures
):
    (center_a, nurse_a), (center_b, nurse_b) = (centre_with_a_calling_chain(make_center, on_call) for _ in range(2))
    for center in (center_a, center_b):  # two alerts, each calling its centre's on-call nurse
        [phone] = make_phones(center, 1, first_number=center.id * 10)
        record_report(
            db.session.get(Patient, phone.patient_id),
            {"client_id": str(uuid.uuid4()), "recorded_at": utcnow(), "vitals": dict(FEVER)},
            source="app",
        )
    db.session.commit()
    held = twilio_api.hold_answers(to=nurse_a, path_suffix="/Calls.json", times=1)

    # One sender thread, so the second call is still waiting its turn when the clock dies (the
    # concurrent sender's kills are tested in test_wave_faults.py).
    clocks.env.update({"SMS_CONCURRENCY": "1"})
    first = clocks.start()
    placed = twilio_api.wait_for(lambda r: r.is_call_create and r.form.get("To") == nurse_a, timeout=30)
    assert placed.accepted  # Twilio placed it; the clock is still waiting for the answer
    assert the_call(nurse_b).state == "sending"  # claimed in the same batch, not yet sent
    clocks.kill9(first)
    held.released.set()

    # Twilio tells us about the call it placed, signed, as it always does within a second.
    row = the_call(nurse_a)
    assert (row.state, row.provider_sid) == ("sending", None)  # the dead clock recorded nothing
    url = signing_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/webhooks/twilio/voice/status?n={row.callback_token}"
    form = {"CallSid": placed.response["sid"], "CallStatus": "initiated", "To": nurse_a, "AccountSid": "AC" + "0" * 32}
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, form)
    response = signing_app.test_client().post(
        f"/webhooks/twilio/voice/status?n={row.callback_token}", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 204

    clocks.start()
    wait_until(
        lambda: the_call(nurse_a).state == "sent" and the_call(nurse_b).state == "sent",
        timeout=LEASE.total_seconds() + 90,
        interval=0.5,
        what="both calls to be settled after the lease",
    )
    clocks.stop_all()

    calls_a, calls_b = twilio_api.calls(to=nurse_a), twilio_api.calls(accepted=True, to=nurse_b)
    figures("clock-kill-9-mid-call", calls_to_a=len(calls_a), calls_to_b=len(calls_b))
    assert len(calls_a) == 1, "the call the dead clock placed was placed again"
    assert len(calls_b) == 1, "the call the dead clock had claimed was lost or doubled"
    assert the_call(nurse_a).provider_sid == placed.response["sid"]
