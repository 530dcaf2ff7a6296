"""A replayed webhook changes nothing (deduplicated by MessageSid), and a second ACK says who
acknowledged first and is audited as a no-op."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, AlertEvent, AuditEvent, SmsConversation
from tests.personas import report_body

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def team(center, make_staff, on_call):
    return {
        "nurse": on_call(center, make_staff("nurse", center, phone="+16175550701")),
        "clinician": make_staff("clinician", center, phone="+16175550702"),
    }


def inbound(signed_post, phone: str, body: str, sid: str) -> str:
    response = signed_post(
        "/webhooks/twilio/inbound", {"From": phone, "To": "+15017122661", "Body": body, "MessageSid": sid}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_replayed_answer_changes_nothing(twilio_app, signed_post, center, team, make_patient):
    patient = make_patient(center, channel="sms").patient
    inbound(signed_post, patient.phone, "CHECK", "SM" + "1" * 32)
    first = inbound(signed_post, patient.phone, "36.9", "SM" + "2" * 32)
    assert first != EMPTY  # the next question
    assert inbound(signed_post, patient.phone, "36.9", "SM" + "2" * 32) == EMPTY  # Twilio retried the webhook
    db.session.expire_all()
    conversation = db.session.scalar(select(SmsConversation).where(SmsConversation.patient_id == patient.id))
    assert (conversation.answered, conversation.retries) == (["temperature"], 0)


def test_a_replayed_stop_changes_nothing(twilio_app, signed_post, center, team, make_patient):
    from app.models import Notification

    patient = make_patient(center, channel="sms").patient
    stop = {"From": patient.phone, "Body": "STOP", "OptOutType": "STOP", "MessageSid": "SM" + "3" * 32}

    def state():
        db.session.expire_all()
        return (
            db.session.scalars(select(AlertEvent.kind).join(Alert).where(Alert.patient_id == patient.id)).all(),
            db.session.scalars(select(Notification.dedupe_key).order_by(Notification.id)).all(),
        )

    signed_post("/webhooks/twilio/inbound", stop)
    after_first = state()
    assert "opened" in after_first[0]
    db.session.get(type(patient), patient.id).sms_opted_out = False  # as if START had come in between
    db.session.commit()
    signed_post("/webhooks/twilio/inbound", stop)  # Twilio retries the first STOP
    assert state() == after_first


def _urgent_alert(client, make_patient, center) -> Alert:
    patient = make_patient(center)
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.7}), headers=patient.headers
    )
    return db.session.get(Alert, response.json["alert"]["id"])


def test_a_second_sms_ack_names_who_acknowledged_first_and_is_audited_as_a_no_op(
    client, twilio_app, signed_post, center, team, make_patient
):
    alert = _urgent_alert(client, make_patient, center)
    code = alert.ack_code
    assert "Acknowledged" in inbound(signed_post, team["nurse"].phone, f"ACK {code}", "SM" + "4" * 32)
    second = inbound(signed_post, team["clinician"].phone, f"ACK {code}", "SM" + "5" * 32)
    assert f"already acknowledged by {team['nurse'].name}" in second and "Nothing changed" in second
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).acknowledged_by_id == team["nurse"].id
    no_op = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.ack")).all()
    assert [
        (e.details.get("no_op"), e.details.get("staff_id"), e.details.get("acknowledged_by_id")) for e in no_op
    ] == [(True, team["clinician"].id, team["nurse"].id)]


def test_a_second_api_ack_changes_nothing_and_is_audited_as_a_no_op(client, login, center, team, make_patient):
    alert = _urgent_alert(client, make_patient, center)
    first = client.post(f"/api/v1/alerts/{alert.id}/ack", headers=login(team["nurse"]))
    acknowledged_at = first.json["acknowledged_at"]
    second = client.post(f"/api/v1/alerts/{alert.id}/ack", headers=login(team["clinician"]))
    assert second.status_code == 200
    assert (second.json["acknowledged_by_id"], second.json["acknowledged_at"]) == (team["nurse"].id, acknowledged_at)
    audits = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "alert.ack").order_by(AuditEvent.id)
    ).all()
    assert [(a.actor_id, a.details.get("no_op")) for a in audits] == [
        (team["nurse"].id, None),
        (team["clinician"].id, True),
    ]
