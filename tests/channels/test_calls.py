"""Phone calls in escalation chains: placed through the real twilio SDK to the Prism
stand-in, driven by Gather and call status webhooks signed as Twilio signs them (or forged)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, AlertEvent, Notification
from tests.personas import report_body

CALL_SID = "CA" + "1" * 32


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


@pytest.fixture
def team(center, make_staff, on_call):
    return {
        "nurse": on_call(center, make_staff("nurse", center, phone="+16175550131")),
        "clinician": make_staff("clinician", center, phone="+16175550132"),
        "admin": make_staff("admin", center, phone="+16175550133"),
    }


def report(client, make_patient, center, **blocks) -> tuple[object, int]:
    patient = make_patient(center, name="Jane Q Doe")
    response = client.post("/api/v1/me/reports", json=report_body(**blocks), headers=patient.headers)
    assert response.status_code == 201, response.json
    return patient, response.json["alert"]["id"]


def emergency(client, make_patient, center):
    return report(client, make_patient, center, neuro={"seizure": True})


def urgent(client, make_patient, center):
    return report(client, make_patient, center, vitals={"temperature_c": 38.6})


def calls(alert_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.alert_id == alert_id, Notification.purpose == "call")
            .order_by(Notification.id)
        )
    )


def call_to(alert_id: int, phone: str) -> Notification:
    [row] = [n for n in calls(alert_id) if n.to_phone == phone]
    return row


def gather(signed_post, row: Notification, digits: str, *, forged: bool = False):
    return signed_post(
        f"/webhooks/twilio/voice/gather?n={row.callback_token}",
        {"CallSid": row.provider_sid or CALL_SID, "Digits": digits, "To": row.to_phone, "AccountSid": "AC" + "0" * 32},
        forged=forged,
    )


def call_status(
    signed_post,
    row: Notification,
    status: str,
    *,
    answered_by: str | None = None,
    call_sid: str | None = None,
    forged: bool = False,
):
    data = {
        "CallSid": call_sid or row.provider_sid or CALL_SID,
        "CallStatus": status,
        "To": row.to_phone,
        "AccountSid": "AC" + "0" * 32,
    }
    if answered_by:
        data["AnsweredBy"] = answered_by
    return signed_post(f"/webhooks/twilio/voice/status?n={row.callback_token}", data, forged=forged)


def set_policy(client, login, team, center, urgent_chain, emergency_chain=None, **extra):
    response = client.put(
        f"/api/v1/centers/{center.id}/escalation-policy",
        json={"urgent": urgent_chain, "emergency": emergency_chain or urgent_chain, **extra},
        headers=login(team["admin"]),
    )
    assert response.status_code == 200, response.json


CALL_CHAIN = {
    "steps": [
        {"notify": ["on_call"], "wait_minutes": 15, "channels": ["call"]},
        {"notify": ["clinicians"], "wait_minutes": 15, "channels": ["call"]},
    ],
    "repeat": 0,
}


def test_an_emergency_calls_and_texts_the_on_call_nurse(
    client, channels_app, twilio_api, team, center, make_patient, tick
):
    _patient, alert_id = emergency(client, make_patient, center)
    tick()
    nurse = team["nurse"].phone
    assert len(twilio_api.messages(accepted=True, to=nurse)) == 1
    [placed] = twilio_api.calls(accepted=True, to=nurse)
    twiml = placed.form["Twiml"]
    # Initials, day after infusion, level, the top finding in words, how to acknowledge, twice.
    assert twiml.count("Vigil emergency alert. Patient J Q D, day 2 after infusion.") == 2
    assert "Seizure" in twiml or "seizure" in twiml
    assert twiml.count("Press 1 to acknowledge.") == 2
    row = call_to(alert_id, nurse)
    assert f"/webhooks/twilio/voice/gather?n={row.callback_token}" in twiml and 'numDigits="1"' in twiml
    assert placed.form["MachineDetection"] == "Enable"
    assert placed.form["StatusCallback"].endswith(f"/webhooks/twilio/voice/status?n={row.callback_token}")
    assert (row.channel, row.state, row.escalation_step) == ("call", "sent", 0)
    assert row.provider_sid == placed.response["sid"]


def test_pressing_1_acknowledges_like_ack_and_stops_the_chain(
    client, channels_app, twilio_api, team, center, make_patient, tick, signed_post, frozen_clock
):
    _patient, alert_id = emergency(client, make_patient, center)
    tick()
    row = call_to(alert_id, team["nurse"].phone)
    call_status(signed_post, row, "in-progress", answered_by="human")
    answer = gather(signed_post, row, "1")
    assert answer.status_code == 200 and "acknowledged. Thank you" in answer.get_data(as_text=True)
    alert = db.session.get(Alert, alert_id)
    assert (alert.status, alert.acknowledged_by_id, alert.escalation_state) == (
        "acknowledged",
        team["nurse"].id,
        "stopped",
    )
    ack = db.session.scalar(
        select(AlertEvent).where(AlertEvent.alert_id == alert_id, AlertEvent.kind == "acknowledged")
    )
    assert ack.data == {"via": "call"}
    calls_before = len(twilio_api.calls())
    frozen_clock.advance(minutes=60)
    tick()
    assert len(twilio_api.calls()) == calls_before  # no call after the acknowledgement
    assert not twilio_api.calls(to=team["admin"].phone)
    assert not [m for m in twilio_api.messages(to=team["admin"].phone) if "VIGIL EMERGENCY" in m.form["Body"]]
    # The others paged (the clinician, called and texted at step 2 of an emergency) are told.
    assert any("acknowledged by" in m.form["Body"] for m in twilio_api.messages(to=team["clinician"].phone))
    # Pressing 1 again changes nothing.
    again = gather(signed_post, row, "1")
    assert "already acknowledged" in again.get_data(as_text=True)


def test_another_key_reads_the_page_again_and_acknowledges_nothing(
    client, channels_app, twilio_api, team, center, make_patient, tick, signed_post
):
    _patient, alert_id = emergency(client, make_patient, center)
    tick()
    answer = gather(signed_post, call_to(alert_id, team["nurse"].phone), "9")
    assert "Press 1 to acknowledge." in answer.get_data(as_text=True) and "<Gather" in answer.get_data(as_text=True)
    assert db.session.get(Alert, alert_id).status == "open"


@pytest.mark.parametrize(
    ("status", "answered_by"),
    [
        ("no-answer", None),
        ("busy", None),
        ("failed", None),
        ("completed", "machine_end_beep"),
        ("in-progress", "machine_start"),
    ],
)
def test_a_call_not_answered_by_a_person_moves_to_the_next_step_at_once(
    client, login, channels_app, twilio_api, team, center, make_patient, tick, signed_post, status, answered_by
):
    set_policy(client, login, team, center, CALL_CHAIN)
    _patient, alert_id = urgent(client, make_patient, center)
    tick()
    row = call_to(alert_id, team["nurse"].phone)
    assert call_status(signed_post, row, "ringing").status_code == 204
    assert call_status(signed_post, row, status, answered_by=answered_by).status_code == 204
    db.session.refresh(row)
    assert row.state == ("failed" if status == "failed" else "unanswered")
    alert = db.session.get(Alert, alert_id)
    assert alert.escalation_step == 1  # no 15-minute wait
    tick()  # the same instant
    assert len(twilio_api.calls(accepted=True, to=team["clinician"].phone)) == 1
    assert any(e.kind == "step_not_reached" for e in alert.events)


def test_an_answered_call_waits_for_the_step_as_a_delivered_page_does(
    client, login, channels_app, twilio_api, team, center, make_patient, tick, signed_post
):
    set_policy(client, login, team, center, CALL_CHAIN)
    _patient, alert_id = urgent(client, make_patient, center)
    tick()
    row = call_to(alert_id, team["nurse"].phone)
    call_status(signed_post, row, "in-progress", answered_by="human")
    call_status(signed_post, row, "completed", answered_by="human")
    call_status(signed_post, row, "no-answer")  # a straggler after the end changes nothing
    db.session.refresh(row)
    assert row.state == "answered"
    assert db.session.get(Alert, alert_id).escalation_step == 0
    assert twilio_api.calls(to=team["clinician"].phone) == []


def test_a_forged_gather_is_refused_and_changes_nothing(
    client, channels_app, twilio_api, team, center, make_patient, tick, signed_post
):
    _patient, alert_id = emergency(client, make_patient, center)
    tick()
    row = call_to(alert_id, team["nurse"].phone)
    state = (row.state, row.provider_status, dict(row.extra))
    assert gather(signed_post, row, "1", forged=True).status_code == 403
    assert call_status(signed_post, row, "no-answer", forged=True).status_code == 403
    assert client.post(f"/webhooks/twilio/voice/gather?n={row.callback_token}", data={"Digits": "1"}).status_code == 403
    db.session.refresh(row)
    alert = db.session.get(Alert, alert_id)
    assert (alert.status, alert.escalation_step, alert.acknowledged_at) == ("open", 1, None)
    assert (row.state, row.provider_status, dict(row.extra)) == state


def test_an_unknown_call_token_hangs_up_and_changes_nothing(
    client, channels_app, twilio_api, team, center, make_patient, tick, signed_post
):
    _patient, alert_id = emergency(client, make_patient, center)
    tick()
    answer = signed_post("/webhooks/twilio/voice/gather?n=not-a-token", {"Digits": "1"})
    assert answer.status_code == 200 and "<Hangup" in answer.get_data(as_text=True)
    assert db.session.get(Alert, alert_id).status == "open"


def test_the_default_urgent_chain_texts_first_and_calls_from_step_2(
    client, channels_app, twilio_api, team, center, make_patient, tick, frozen_clock
):
    _patient, alert_id = urgent(client, make_patient, center)
    tick()
    assert twilio_api.calls() == [] and len(twilio_api.messages(accepted=True, to=team["nurse"].phone)) == 1
    frozen_clock.advance(minutes=15)
    tick()
    assert len(twilio_api.calls(accepted=True, to=team["clinician"].phone)) == 1
    assert len(twilio_api.messages(accepted=True, to=team["clinician"].phone)) == 1


def test_a_call_speaks_the_centres_language(client, login, channels_app, twilio_api, team, center, make_patient, tick):
    set_policy(client, login, team, center, CALL_CHAIN, call_language="es-US")
    _patient, alert_id = urgent(client, make_patient, center)
    tick()
    [placed] = twilio_api.calls(accepted=True, to=team["nurse"].phone)
    assert 'language="es-US"' in placed.form["Twiml"]
    assert "Alerta urgente de Vigil. Paciente J Q D, día 2 después de la infusión." in placed.form["Twiml"]
    assert "Pulse 1 para confirmar." in placed.form["Twiml"]


@pytest.mark.parametrize("bad", [["fax"], [], ["sms", "sms"], "call"])
def test_bad_step_channels_are_refused_by_name(client, login, team, center, bad):
    chain = {"steps": [{"notify": ["on_call"], "wait_minutes": 15, "channels": bad}], "repeat": 0}
    response = client.put(
        f"/api/v1/centers/{center.id}/escalation-policy",
        json={"urgent": chain, "emergency": chain},
        headers=login(team["admin"]),
    )
    fields = response.json["error"]["fields"]
    assert response.status_code == 422 and any(f.startswith("urgent.steps.0.channels") for f in fields)


def test_a_call_placed_again_is_never_a_second_call_for_the_step(
    client, channels_app, twilio_api, team, center, make_patient, tick, frozen_clock
):
    """Ticks, a retried step and an upgrade of the same step never queue a twin (dedupe by fence
    and step); what a kill -9 does to a call in flight is in tests/faults."""
    _patient, alert_id = emergency(client, make_patient, center)
    tick()
    tick()
    frozen_clock.advance(minutes=1)
    tick()
    assert len(twilio_api.calls(to=team["nurse"].phone)) == 1
    assert len(calls(alert_id)) == len({(c.to_phone, c.escalation_step) for c in calls(alert_id)})


def test_calls_are_fhir_communications_with_the_phone_medium_and_in_the_handoff(
    client, login, channels_app, twilio_api, team, center, make_patient, tick, signed_post, frozen_clock
):
    from tests.fhir.r4 import validate

    patient, alert_id = emergency(client, make_patient, center)
    tick()
    row = call_to(alert_id, team["nurse"].phone)
    frozen_clock.advance(minutes=1)
    call_status(signed_post, row, "in-progress", answered_by="human")
    gather(signed_post, row, "1")
    headers = login(team["nurse"])
    bundle = client.get(f"/api/v1/patients/{patient.id}/fhir", headers=headers).json
    communications = {
        r["resource"]["id"]: r["resource"] for r in bundle["entry"] if r["resource"]["resourceType"] == "Communication"
    }
    call = communications[f"comm-{row.id}"]
    validate(call)
    assert call["medium"] == [
        {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode",
                    "code": "PHONE",
                    "display": "telephone",
                }
            ],
            "text": "Phone call",
        }
    ]
    assert call["status"] == "completed" and "received" in call
    assert "Press 1 to acknowledge." in call["payload"][0]["contentString"]
    texts = [c for c in communications.values() if c["medium"][0]["text"] == "SMS"]
    assert texts and all(c["medium"][0]["coding"][0]["code"] == "WRITTEN" for c in texts)
    handoff = client.get(f"/api/v1/alerts/{alert_id}/handoff?format=html", headers=headers).get_data(as_text=True)
    assert "(phone call)" in handoff and "called" in handoff.lower()


def test_a_call_twilio_refuses_for_now_is_retried_and_placed_once(
    client, login, channels_app, twilio_api, team, center, make_patient, tick, frozen_clock
):
    set_policy(client, login, team, center, CALL_CHAIN)
    twilio_api.respond_with(503, to=team["nurse"].phone, times=1)
    _patient, alert_id = urgent(client, make_patient, center)
    tick()
    row = call_to(alert_id, team["nurse"].phone)
    assert (row.state, len(twilio_api.calls(accepted=False))) == ("pending", 1)
    frozen_clock.advance(minutes=1)
    tick()
    db.session.refresh(row)
    assert row.state == "sent" and len(twilio_api.calls(accepted=True, to=team["nurse"].phone)) == 1


def test_the_watchdog_tells_the_admins_when_calls_cannot_go_out(
    client, login, channels_app, twilio_api, team, center, make_patient, tick, frozen_clock
):
    set_policy(client, login, team, center, CALL_CHAIN)
    twilio_api.respond_with(503, to=team["nurse"].phone)
    _patient, alert_id = urgent(client, make_patient, center)
    for _ in range(6):
        tick()
        frozen_clock.advance(minutes=3)
    warnings = db.session.scalars(select(Notification).where(Notification.purpose == "watchdog")).all()
    assert [w.to_phone for w in warnings] == [team["admin"].phone]


def test_calls_are_claimed_ahead_of_reminders_and_pushes(app, frozen_clock):
    from app.services import outbox

    now = frozen_clock.advance(seconds=0)
    for i in range(60):
        outbox.queue(
            dedupe_key=f"reminder-{i}",
            purpose="reminder",
            channel="push",
            to_phone="+16175550100",
            body="r",
            now=now - timedelta(minutes=10),
        )
    outbox.queue(dedupe_key="call", purpose="call", channel="call", to_phone="+16175550101", body="c", now=now)
    db.session.commit()
    claimed = [db.session.get(Notification, i) for i, _token in outbox.claim_due(now)]
    assert (claimed[0].purpose, claimed[0].channel) == ("call", "call")
    assert {n.channel for n in claimed[1:]} == {"push"}
