"""One phone, one active patient: two centres, each with an SMS patient. A
phone names one active patient; an inbound SMS goes to the conversation Vigil opened on that
number, never to "the newest active patient with this number in any centre"; a caregiver's STOP
stops only the caregiver's texts; a staff member's STOP warns the centre's admins and pages skip them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, CheckIn, Notification, Patient, Report, SmsConversation
from tests.personas import patient_body, report_body

CAREGIVER = "+16175550199"  # patient_body's default: both centres' patients share this caregiver


@pytest.fixture
def centres(make_center, make_staff, on_call):
    a, b = make_center("US", "America/New_York", name="Alpha"), make_center("US", "America/Chicago", name="Beta")
    staff = {
        "admin_a": make_staff("admin", a, phone="+16175550301"),
        "admin_b": make_staff("admin", b, phone="+16175550302"),
        "nurse_a": on_call(a, make_staff("nurse", a, phone="+16175550303")),
        "nurse_b": on_call(b, make_staff("nurse", b, phone="+16175550304")),
    }
    return a, b, staff


@pytest.fixture
def two_sms_patients(centres, make_patient):
    a, b, _staff = centres
    first = make_patient(a, channel="sms", phone="+16175550401")
    second = make_patient(b, channel="sms", phone="+16175550402")  # the newest, in the other centre
    return first.patient, second.patient


def inbound(signed_post, phone: str, body: str, **extra: str) -> str:
    response = signed_post("/webhooks/twilio/inbound", {"From": phone, "To": "+15017122661", "Body": body, **extra})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def conversations(patient_id: int) -> list[SmsConversation]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsConversation).where(SmsConversation.patient_id == patient_id)))


def test_the_same_phone_cannot_be_enrolled_twice_in_any_centre(client, login, make_staff, centres, two_sms_patients):
    a, b, _staff = centres
    taken = two_sms_patients[0].phone
    nurse_b = login(make_staff("nurse", b))
    response = client.post("/api/v1/patients", json=patient_body(b, phone=taken), headers=nurse_b)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "duplicate_phone"
    assert set(response.json["error"]["fields"]) == {"phone"}
    as_caregiver = client.post("/api/v1/patients", json=patient_body(b, caregiver_phone=taken), headers=nurse_b)
    assert as_caregiver.status_code == 409 and set(as_caregiver.json["error"]["fields"]) == {"caregiver_phone"}
    own_is_a_caregiver = client.post(
        "/api/v1/patients", json=patient_body(b, phone=CAREGIVER, caregiver_phone="+16175550499"), headers=nurse_b
    )
    assert own_is_a_caregiver.status_code == 409 and set(own_is_a_caregiver.json["error"]["fields"]) == {"phone"}
    assert db.session.scalar(select(Patient).where(Patient.center_id == b.id, Patient.phone == taken)) is None

    # Once the first patient is no longer active, the number is free again; reactivating them is then a 409.
    nurse_a = login(make_staff("nurse", a))
    assert (
        client.patch(
            f"/api/v1/patients/{two_sms_patients[0].id}", json={"status": "completed"}, headers=nurse_a
        ).status_code
        == 200
    )
    assert client.post("/api/v1/patients", json=patient_body(b, phone=taken), headers=nurse_b).status_code == 201
    back = client.patch(f"/api/v1/patients/{two_sms_patients[0].id}", json={"status": "active"}, headers=nurse_a)
    assert back.status_code == 409 and set(back.json["error"]["fields"]) == {"phone"}
    db.session.expire_all()
    assert db.session.get(Patient, two_sms_patients[0].id).status == "completed"


def test_a_shared_caregivers_answer_goes_to_the_conversation_vigil_opened(
    twilio_app, signed_post, centres, two_sms_patients
):
    first, second = two_sms_patients
    inbound(signed_post, first.phone, "CHECK")  # Vigil opens a conversation with the first patient only
    assert [c.state for c in conversations(first.id)] == ["active"]
    inbound(signed_post, CAREGIVER, "38.9")  # the caregiver answers the temperature question: urgent
    assert conversations(first.id)[0].answered == ["temperature"]
    assert conversations(second.id) == []
    alerts = db.session.scalars(select(Alert)).all()
    assert [(alert.patient_id, alert.center_id) for alert in alerts] == [(first.id, first.center_id)]
    paged = {n.to_phone for n in db.session.scalars(select(Notification).where(Notification.purpose == "page"))}
    assert paged == {centres[2]["nurse_a"].phone}  # centre Alpha's team, not Beta's


def test_a_fever_from_a_phone_two_legacy_patients_share_is_not_given_to_either(
    twilio_app, signed_post, centres, make_patient
):
    """Patients enrolled before phones were unique: Vigil asks the sender to call, and records
    the fever on no one rather than on the newest patient in some centre."""
    a, b, _staff = centres
    older = make_patient(a, channel="sms", phone="+16175550411").patient
    newer = make_patient(b, channel="sms", phone="+16175550412").patient
    newer.phone = older.phone  # as the data stood before this rule
    db.session.commit()
    reply = inbound(signed_post, older.phone, "39.4")
    assert "could not tell which patient" in reply
    assert db.session.scalars(select(Report)).all() == []
    assert db.session.scalars(select(Alert)).all() == []


def test_a_caregivers_stop_opts_out_the_caregivers_phone_only(
    client, twilio_app, signed_post, frozen_clock, tick, centres, make_patient
):
    a, _b, _staff = centres
    patient = make_patient(a, phone="+16175550421").patient  # app channel: reminders, then a second to both
    assert (
        inbound(signed_post, CAREGIVER, "STOP", OptOutType="STOP", MessageSid="SM" + "c" * 32)
        == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    )
    db.session.expire_all()
    patient = db.session.get(Patient, patient.id)
    assert (patient.sms_opted_out, patient.caregiver_sms_opted_out) == (False, True)
    assert db.session.scalars(select(Alert)).all() == []  # the patient can still be reached

    due = db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.due_at)).first()
    frozen_clock.set(due.due_at + timedelta(minutes=1))
    tick()
    db.session.refresh(due)
    frozen_clock.set(due.next_action_at + timedelta(minutes=1))  # past the grace: the second reminder
    tick()
    second = db.session.scalars(
        select(Notification).where(Notification.purpose == "second_reminder", Notification.patient_id == patient.id)
    ).all()
    assert [n.to_phone for n in second] == [patient.phone]


def test_a_staff_stop_warns_the_centres_admins_and_the_chain_skips_them(
    client, twilio_app, signed_post, centres, make_patient
):
    a, _b, staff = centres
    inbound(signed_post, staff["nurse_a"].phone, "STOP", OptOutType="STOP", MessageSid="SM" + "d" * 32)
    warnings = db.session.scalars(select(Notification).where(Notification.purpose == "staff_opt_out")).all()
    assert [n.to_phone for n in warnings] == [staff["admin_a"].phone]  # Alpha's admin only
    assert "replied STOP" in warnings[0].body

    patient = make_patient(a)
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.7}), headers=patient.headers
    )
    assert response.json["alert"]["level"] == "urgent"
    paged = db.session.scalars(select(Notification).where(Notification.purpose == "page")).all()
    assert staff["nurse_a"].phone not in {n.to_phone for n in paged}
    assert [n.to_phone for n in paged] == [staff["admin_a"].phone]
    assert paged[0].body.startswith("NOBODY REACHABLE at step 1")
