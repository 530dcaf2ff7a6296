"""Reminders go to the patient's app by push when it registered, with SMS as the fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, CheckIn, DeliveryAttempt, Device, Notification

INFUSED = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # 08:00 in New York, day 0
TOKEN = "fcm-token-of-the-patients-phone-" + "b" * 120


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


@pytest.fixture
def nurse(center, on_call):
    return on_call(center)


@pytest.fixture
def enrolled(client, make_patient, center, nurse, frozen_clock):
    frozen_clock.set(INFUSED)
    enrolled = make_patient(center, infused_at=INFUSED.isoformat())
    registered = client.put(
        "/api/v1/me/device",
        json={"platform": "android", "token": TOKEN, "app_version": "2.3.1"},
        headers=enrolled.headers,
    )
    assert registered.status_code == 200, registered.json
    return enrolled


def first_check_in(patient_id: int) -> CheckIn:
    rows = db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient_id).order_by(CheckIn.due_at))
    return next(c for c in rows if c.due_at > INFUSED + timedelta(hours=1))


def messages(patient_id: int, purpose: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.patient_id == patient_id, Notification.purpose == purpose)
        )
    )


def test_a_patient_with_a_device_gets_the_reminder_by_push_and_no_sms(channels_app, twilio_api, fcm, enrolled, tick):
    check_in = first_check_in(enrolled.id)
    tick(check_in.due_at + timedelta(minutes=1))
    [push] = fcm.sent_to(TOKEN)
    # What a locked screen shows: no health data; the data opens the right check-in screen.
    assert push["notification"] == {"title": "Vigil check-in", "body": "It is time for your check-in. Tap to answer."}
    assert push["data"] == {"kind": "check_in", "check_in_id": str(check_in.id)}
    assert twilio_api.messages(to=enrolled.patient.phone) == []
    [reminder] = messages(enrolled.id, "reminder")
    assert (reminder.channel, reminder.state, reminder.provider_sid) == (
        "push",
        "sent",
        "projects/vigil-test/messages/1",
    )
    assert db.session.scalar(select(Device.last_push_at).where(Device.patient_id == enrolled.id)) is not None


@pytest.mark.parametrize("fcm_says", ["unregistered", "invalid"])
def test_an_unregistered_token_falls_back_to_sms_within_the_same_tick(
    channels_app, twilio_api, fcm, enrolled, tick, fcm_says
):
    getattr(fcm, fcm_says).add(TOKEN)
    check_in = first_check_in(enrolled.id)
    tick(check_in.due_at + timedelta(minutes=1))  # one tick: the push fails, the SMS goes
    [sms] = twilio_api.messages(accepted=True, to=enrolled.patient.phone)
    assert "check-in" in sms.form["Body"]
    [reminder] = messages(enrolled.id, "reminder")
    assert (reminder.channel, reminder.state) == ("sms", "sent")
    attempts = db.session.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.notification_id == reminder.id).order_by(DeliveryAttempt.id)
    ).all()
    assert [(a.channel, a.result) for a in attempts] == [("push", "permanent_error"), ("sms", "sent")]
    assert db.session.scalar(select(Device).where(Device.patient_id == enrolled.id)) is None  # dropped
    assert fcm.messages == []


def test_fcm_down_sends_the_reminder_by_sms_and_keeps_the_device(channels_app, twilio_api, fcm, enrolled, tick):
    fcm.unavailable = True
    check_in = first_check_in(enrolled.id)
    tick(check_in.due_at + timedelta(minutes=1))
    assert len(twilio_api.messages(accepted=True, to=enrolled.patient.phone)) == 1
    assert db.session.scalar(select(Device).where(Device.patient_id == enrolled.id)) is not None


def test_a_missed_check_in_still_reaches_the_caregiver_by_sms(channels_app, twilio_api, fcm, enrolled, nurse, tick):
    patient = enrolled.patient
    check_in = first_check_in(enrolled.id)
    tick(check_in.due_at + timedelta(minutes=1))
    assert len(fcm.sent_to(TOKEN)) == 1
    tick(check_in.due_at + timedelta(minutes=61))  # the caregiver step: by SMS
    assert len(twilio_api.messages(accepted=True, to=patient.caregiver_phone)) == 1
    assert len(twilio_api.messages(accepted=True, to=patient.phone)) == 1
    assert {n.channel for n in messages(enrolled.id, "second_reminder")} == {"sms"}
    assert len(fcm.sent_to(TOKEN)) == 1  # no second push
    tick(check_in.due_at + timedelta(minutes=121))
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == enrolled.id))
    assert alert.kind == "missed_check_in"
    assert twilio_api.messages(accepted=True, to=nurse.phone)


def test_a_patient_who_replied_stop_still_gets_the_push(channels_app, twilio_api, fcm, enrolled, tick):
    enrolled.patient.sms_opted_out = True
    db.session.commit()
    check_in = first_check_in(enrolled.id)
    tick(check_in.due_at + timedelta(minutes=1))
    assert len(fcm.sent_to(TOKEN)) == 1
    assert twilio_api.messages(to=enrolled.patient.phone) == []


def test_without_a_device_the_reminder_is_an_sms_as_before(client, channels_app, twilio_api, fcm, enrolled, tick):
    assert client.delete("/api/v1/me/device", headers=enrolled.headers).status_code == 204
    check_in = first_check_in(enrolled.id)
    tick(check_in.due_at + timedelta(minutes=1))
    assert fcm.messages == []
    [reminder] = messages(enrolled.id, "reminder")
    assert reminder.channel == "sms" and len(twilio_api.messages(accepted=True, to=enrolled.patient.phone)) == 1
