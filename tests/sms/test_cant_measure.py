"""SMS check-ins: "NO" / "no tengo" to a measurement is a "can't measure" answer, stored as the
app's not_measured and graded by R12 like any other channel."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Report
from app.sms import parse
from tests.personas import report_body
from tests.sms.test_conversation import conversation, reply, start_by_check_in

NUMBERS = {
    "temperature": "37,2",
    "blood_pressure": "118/76",
    "heart_rate": "84",
    "spo2": "97",
    "neuro": "no",
    "danger": "no",
    "breathing": "no",
}


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


@pytest.mark.parametrize("text", ["NO", "no", "No tengo", "no tengo.", "can't", "Can’t measure", "no puedo"])
def test_cant_measure_words(text):
    assert parse.is_cant_measure(text)


@pytest.mark.parametrize("text", ["37.2", "skip", "saltar", "yes", "si", "nothing"])
def test_other_replies_are_not_cant_measure(text):
    assert not parse.is_cant_measure(text)


def _converse(signed_post, phone: str, patient_id: int, answers: dict) -> Report:
    for _ in range(12):
        current = conversation(patient_id)
        if current.state != "active":
            break
        reply(signed_post, phone, answers.get(current.questions[0], NUMBERS.get(current.questions[0], "no")))
    done = conversation(patient_id)
    assert done.state in ("done", "escalated")
    return db.session.get(Report, done.report_id)


@pytest.mark.parametrize(
    ("language", "temperature_answer", "bp_answer"), [("es", "no tengo", "NO"), ("en", "NO", "can't")]
)
@pytest.mark.parametrize(("hours_since_temperature", "fires"), [(8, False), (8 + 1 / 60, True)])
def test_sms_cant_measure_is_stored_and_r12_grades_it(
    client,
    twilio_app,
    signed_post,
    tick,
    frozen_clock,
    make_patient,
    center,
    on_call,
    language,
    temperature_answer,
    bp_answer,
    hours_since_temperature,
    fires,
):
    on_call(center)
    enrolled = make_patient(center, channel="sms", language=language)
    patient = enrolled.patient
    start_by_check_in(patient, tick, frozen_clock)
    earlier = frozen_clock.now - timedelta(hours=hours_since_temperature)
    assert (
        client.post(
            "/api/v1/me/reports", json=report_body(earlier, vitals={"temperature_c": 36.9}), headers=enrolled.headers
        ).status_code
        == 201
    )
    report = _converse(
        signed_post, patient.phone, patient.id, {"temperature": temperature_answer, "blood_pressure": bp_answer}
    )
    assert report.source == "sms"
    assert report.not_measured == ["blood_pressure", "temperature"]
    assert report.temperature_c is None and report.systolic_bp is None and report.heart_rate == 84
    rules = {f["rule"]: f["level"] for f in report.assessment["findings"]}
    assert (rules.get("R12_vitals_not_measured") == "same_day") is fires
    if fires:
        assert report.alert_id is not None


def test_the_question_tells_the_patient_they_may_answer_no(
    twilio_app, twilio_api, tick, frozen_clock, make_patient, center, on_call
):
    on_call(center)
    patient = make_patient(center, channel="sms", language="es").patient
    start_by_check_in(patient, tick, frozen_clock)
    first = twilio_api.messages(accepted=True, to=patient.phone)[0].form["Body"]
    assert "NO TENGO" in first
