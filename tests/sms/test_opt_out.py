"""Twilio's opt-out: Vigil reads `OptOutType` (Advanced Opt-Out) instead of a
keyword list of its own, so REVOKE, OPTOUT and the rest count; a 21610 on a patient's message is
an opt-out that alerts the team; HELP, which Twilio has answered, is not answered twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, Notification, Patient, StaffUser
from tests.personas import report_body

EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def nurse(center, make_staff, on_call):
    return on_call(center, make_staff("nurse", center, phone="+16175550601"))


@pytest.fixture
def admin(center, make_staff):
    return make_staff("admin", center, phone="+16175550602")


def inbound(signed_post, phone: str, body: str, **extra: str) -> str:
    response = signed_post("/webhooks/twilio/inbound", {"From": phone, "To": "+15017122661", "Body": body, **extra})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("word", ["REVOKE", "OPTOUT", "stop please"])
def test_any_keyword_twilio_counts_as_stop_opts_the_patient_out(
    twilio_app, signed_post, center, nurse, make_patient, word
):
    patient = make_patient(center, channel="sms").patient
    assert inbound(signed_post, patient.phone, word, OptOutType="STOP") == EMPTY
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).sms_opted_out is True
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert alert.kind == "sms_opt_out"


def test_help_that_twilio_answered_is_not_answered_again(twilio_app, signed_post, center, nurse, make_patient):
    patient = make_patient(center, channel="sms").patient
    assert inbound(signed_post, patient.phone, "HELP", OptOutType="HELP") == EMPTY
    assert inbound(signed_post, nurse.phone, "INFO", OptOutType="HELP") == EMPTY
    assert "Reply ACK" in inbound(signed_post, nurse.phone, "HELP")  # no OptOutType: Twilio did not answer


def _status(signed_post, row: Notification, code: str = "21610"):
    response = signed_post(
        f"/webhooks/twilio/status?n={row.callback_token}",
        {"MessageSid": "SM" + "9" * 32, "MessageStatus": "failed", "ErrorCode": code},
    )
    assert response.status_code == 204


def test_a_21610_on_a_patients_message_is_an_opt_out_that_alerts_the_team(
    client, twilio_app, signed_post, center, nurse, make_patient
):
    from app.services import outbox

    patient = make_patient(center).patient
    row = outbox.queue(
        dedupe_key="milestone-test",
        purpose="milestone",
        to_phone=patient.phone,
        body="hi",
        now=patient.created_at,
        patient_id=patient.id,
    )
    db.session.commit()
    _status(signed_post, row)
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).sms_opted_out is True
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert (alert.kind, alert.level) == ("sms_opt_out", "urgent")
    assert "21610" in alert.findings[0]["summary"]
    paged = db.session.scalars(select(Notification.to_phone).where(Notification.purpose == "page")).all()
    assert paged == [nurse.phone]


def test_a_21610_on_a_page_takes_the_staff_member_out_of_the_chain(
    client, twilio_app, signed_post, center, nurse, admin, make_patient
):
    patient = make_patient(center)
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.7}), headers=patient.headers
    )
    page = db.session.scalar(
        select(Notification).where(
            Notification.alert_id == response.json["alert"]["id"], Notification.purpose == "page"
        )
    )
    assert page.to_phone == nurse.phone
    _status(signed_post, page)
    db.session.expire_all()
    assert db.session.get(StaffUser, nurse.id).sms_opted_out is True
    warned = db.session.scalars(select(Notification.to_phone).where(Notification.purpose == "staff_opt_out")).all()
    assert warned == [admin.phone]
