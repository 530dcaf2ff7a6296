"""SMS-only check-ins: questions one at a time, lenient answers, one report through the same
service and rules as the app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, CheckIn, Notification, Report, SmsConversation
from app.sms.questions import NEURO_CHOICES
from tests.personas import report_body

# The answers a patient gives, by question; and the same answers as the app would send them.
SMS_ANSWERS = {
    "temperature": "37,2",
    "blood_pressure": "118/76",
    "heart_rate": "84",
    "spo2": "97",
    "neuro": "no",
    "headache": "0",
    "danger": "no",
    "breathing": "si",
}
APP_BLOCKS = {
    "vitals": {"temperature_c": 37.2, "systolic_bp": 118, "diastolic_bp": 76, "heart_rate": 84, "spo2": 97},
    "neuro": {
        "confusion": False,
        "word_finding_difficulty": False,
        "tremor": False,
        "excessive_sleepiness": False,
        "speech_understanding_difficulty": False,
        "hallucinations": False,
        "limb_numbness_or_weakness": False,
        "seizure": False,
        "fainted": False,
        "hard_to_wake": False,
        "facial_droop_or_weakness": False,
    },
    "symptoms": {"headache": 0},
    "signs": {"breathless_at_rest": True},
}


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


@pytest.fixture
def nurse(center, on_call):
    return on_call(center)


@pytest.fixture
def sms_patient(make_patient, center, nurse):
    return make_patient(center, channel="sms", language="es")


def conversation(patient_id: int) -> SmsConversation:
    db.session.expire_all()
    return db.session.scalar(
        select(SmsConversation).where(SmsConversation.patient_id == patient_id).order_by(SmsConversation.id.desc())
    )


def reply(signed_post, phone: str, body: str, **extra: str) -> str:
    response = signed_post("/webhooks/twilio/inbound", {"From": phone, "To": "+15017122661", "Body": body, **extra})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def start_by_check_in(patient, tick, frozen_clock) -> CheckIn:
    due = db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.due_at)).first()
    frozen_clock.set(due.due_at + timedelta(minutes=1))
    tick()
    return due


def test_a_spanish_sms_check_in_equals_the_same_answers_in_the_app(
    client, twilio_app, twilio_api, signed_post, tick, frozen_clock, sms_patient, make_patient, center
):
    patient = sms_patient.patient
    start_by_check_in(patient, tick, frozen_clock)
    first = twilio_api.messages(accepted=True, to=patient.phone)
    assert "temperatura" in first[0].form["Body"].lower()
    # Answer whatever is asked, question by question, until the check-in is done.
    for _ in range(12):
        current = conversation(patient.id)
        if current.state != "active":
            break
        last = reply(signed_post, patient.phone, SMS_ANSWERS[current.questions[0]])
    done = conversation(patient.id)
    assert done.state == "escalated"  # breathless at rest is urgent (R8a): the rest is not waited for
    assert "equipo" in last
    sms_report = db.session.get(Report, done.report_id)
    assert sms_report.source == "sms"
    app_patient = make_patient(center, language="es")
    asked = set(done.answered)
    blocks = {
        "vitals": {
            k: v
            for k, v in APP_BLOCKS["vitals"].items()
            if {
                "temperature_c": "temperature",
                "systolic_bp": "blood_pressure",
                "diastolic_bp": "blood_pressure",
                "heart_rate": "heart_rate",
                "spo2": "spo2",
            }[k]
            in asked
        },
        "neuro": {k: v for k, v in APP_BLOCKS["neuro"].items() if ("neuro" in asked or k not in NEURO_CHOICES)},
        "symptoms": APP_BLOCKS["symptoms"] if "headache" in asked else {},
        "signs": APP_BLOCKS["signs"],
    }
    app_answer = client.post("/api/v1/me/reports", json=report_body(**blocks), headers=app_patient.headers).json
    app_report = db.session.get(Report, app_answer["report"]["id"])
    for column in (
        "temperature_c",
        "systolic_bp",
        "diastolic_bp",
        "heart_rate",
        "spo2",
        "neuro",
        "signs",
        "symptoms",
        "level",
    ):
        assert getattr(sms_report, column) == getattr(app_report, column), column
    sms_rules = [f["rule"] for f in sms_report.assessment["findings"]]
    assert sms_rules == [f["rule"] for f in app_answer["assessment"]["findings"]]
    assert sms_report.assessment["instructions"] == app_answer["assessment"]["instructions"]


def test_a_full_routine_conversation_ends_with_thanks_and_completes_the_check_in(
    twilio_app, signed_post, tick, frozen_clock, sms_patient
):
    patient = sms_patient.patient
    due = start_by_check_in(patient, tick, frozen_clock)
    answers = {**SMS_ANSWERS, "breathing": "no"}
    for _ in range(12):
        current = conversation(patient.id)
        if current.state != "active":
            break
        last = reply(signed_post, patient.phone, answers[current.questions[0]])
    assert conversation(patient.id).state == "done"
    assert "Gracias" in last
    db.session.refresh(due)
    assert due.state == "completed"
    report = db.session.get(Report, conversation(patient.id).report_id)
    assert (report.level, report.partial, report.check_in_id) == ("routine", False, due.id)


def test_a_fever_as_the_first_answer_pages_the_team_before_the_other_questions(
    twilio_app, signed_post, tick, frozen_clock, sms_patient, nurse
):
    patient = sms_patient.patient
    start_by_check_in(patient, tick, frozen_clock)
    answer = reply(signed_post, patient.phone, "38.9")
    assert "+16175550100" in answer and "equipo" in answer
    done = conversation(patient.id)
    assert done.state == "escalated" and done.answered == ["temperature"]
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert alert.level == "urgent"
    page = db.session.scalar(
        select(Notification).where(Notification.alert_id == alert.id, Notification.purpose == "page")
    )
    assert page.to_phone == nurse.phone
    assert db.session.get(Report, done.report_id).partial is True


def test_an_unparseable_reply_is_asked_again_once_then_skipped_with_a_word(
    twilio_app, signed_post, tick, frozen_clock, sms_patient
):
    patient = sms_patient.patient
    start_by_check_in(patient, tick, frozen_clock)
    reply(signed_post, patient.phone, "37.0")
    asked = conversation(patient.id).questions[0]
    again = reply(signed_post, patient.phone, "no sé")
    assert "no entend" in again.lower() and "120/80" in again  # asked again, with the example
    assert conversation(patient.id).questions[0] == asked
    moved_on = reply(signed_post, patient.phone, "???")
    assert "siguiente pregunta" in moved_on.lower()  # says it moved on
    current = conversation(patient.id)
    assert current.questions[0] != asked and asked in current.answered


def test_a_half_finished_conversation_times_out_as_a_graded_partial_report(
    twilio_app, signed_post, tick, frozen_clock, sms_patient
):
    patient = sms_patient.patient
    due = start_by_check_in(patient, tick, frozen_clock)
    reply(signed_post, patient.phone, "37.9")
    frozen_clock.set(due.window_ends_at + timedelta(minutes=1))
    tick()
    done = conversation(patient.id)
    assert done.state == "timed_out"
    report = db.session.get(Report, done.report_id)
    assert report.partial is True and report.temperature_c == 37.9
    assert report.assessment["findings"]  # graded like any report


def test_the_caregivers_phone_can_answer(twilio_app, signed_post, tick, frozen_clock, sms_patient):
    patient = sms_patient.patient
    start_by_check_in(patient, tick, frozen_clock)
    reply(signed_post, patient.caregiver_phone, "36.8")
    assert conversation(patient.id).answered == ["temperature"]


def test_stop_ends_texting_and_alerts_the_team(
    twilio_app, twilio_api, signed_post, tick, frozen_clock, sms_patient, nurse
):
    patient = sms_patient.patient
    start_by_check_in(patient, tick, frozen_clock)
    assert (
        reply(signed_post, patient.phone, "STOP", OptOutType="STOP")
        == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    )
    db.session.refresh(patient)
    assert patient.sms_opted_out is True
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert (alert.kind, alert.level) == ("sms_opt_out", "urgent")
    sent_before = len(twilio_api.messages(to=patient.phone))
    frozen_clock.advance(hours=4)
    tick()
    assert len(twilio_api.messages(to=patient.phone)) == sent_before  # no more texts to the patient


def test_a_text_outside_a_check_in_gets_help_or_starts_one(twilio_app, signed_post, sms_patient):
    patient = sms_patient.patient
    assert "STOP" in reply(signed_post, patient.phone, "hola")
    assert conversation(patient.id) is None
    next_question = reply(signed_post, patient.phone, "38,1")  # a temperature starts an unscheduled check-in
    assert conversation(patient.id).answered == ["temperature"]
    assert "equipo" in next_question  # 38.1 °C is urgent: paged at once
