"""Clinical classes over SMS: a severe headache, arm or leg weakness with its "one side?"
follow-up, trouble understanding speech and hallucinations reach the same rules as in the app,
through the real twilio SDK and the Prism stand-in (docs/clinical-rules.md R9, R11)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Report
from app.timesource import utcnow
from tests.sms.test_conversation import conversation, reply


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


@pytest.fixture
def texter(make_patient, center, on_call):
    on_call(center)

    def make(language: str = "en", day: int = 2):
        infused = (utcnow() - timedelta(days=day)).isoformat()
        return make_patient(center, channel="sms", language=language, infused_at=infused).patient

    return make


TEXTS_BACK: list[str] = []


def converse(signed_post, patient, answers: dict[str, str]) -> tuple[list[str], str, Report]:
    """Text CHECK, then answer each question from `answers` ("skip" otherwise) until the end; the
    questions asked, the last text back and the stored report. Every text back goes to TEXTS_BACK."""
    TEXTS_BACK.clear()
    reply(signed_post, patient.phone, "CHECK")
    asked, last = [], ""
    for _ in range(15):
        current = conversation(patient.id)
        if current.state != "active":
            break
        key = current.questions[0]
        asked.append(key)
        last = reply(signed_post, patient.phone, answers.get(key, "skip"))
        TEXTS_BACK.append(last)
    done = conversation(patient.id)
    assert done.state != "active", asked
    return asked, last, db.session.get(Report, done.report_id)


QUIET = {"temperature": "98.2F", "neuro": "no", "danger": "no", "breathing": "no"}


@pytest.mark.parametrize(("headache", "level"), [("2", "routine"), ("3", "urgent"), ("4", "urgent")])
def test_a_severe_headache_by_sms_is_urgent(twilio_app, signed_post, texter, headache, level):
    asked, last, report = converse(signed_post, texter(), {**QUIET, "headache": headache})
    assert "headache" in asked
    assert (report.level, report.symptoms["headache"]) == (level, int(headache))
    assert round(report.temperature_c, 1) == 36.8  # the Fahrenheit answer, graded in °C
    if level == "urgent":
        assert "Call your CAR T team now" in last and "R9_neuro_change" in str(report.assessment)


@pytest.mark.parametrize(
    ("side", "stored", "level"),
    [
        ("yes", True, "emergency"),  # one side only: R11
        ("no", False, "urgent"),  # both sides, day 2: R9
        ("not sure", None, "urgent"),  # unknown counts as urgent, never as "both sides"
        ("no se", None, "urgent"),
        ("skip", None, "urgent"),
    ],
)
def test_weakness_of_an_arm_or_leg_asks_the_side_before_grading(twilio_app, signed_post, texter, side, stored, level):
    asked, last, report = converse(
        signed_post, texter(), {**QUIET, "neuro": "yes", "neuro_which": "7", "limb_side": side}
    )
    assert asked[asked.index("neuro_which") + 1] == "limb_side"  # asked even though day 2 is urgent already
    assert report.neuro["limb_numbness_or_weakness"] is True
    assert report.neuro.get("limb_weakness_one_side") is stored
    assert report.level == level
    if level == "emergency":
        assert "Call emergency services" in last


@pytest.mark.parametrize(("day", "level"), [(30, "urgent"), (31, "same_day")])
def test_both_sides_after_day_30_is_a_same_day_call_for_cd19(twilio_app, signed_post, texter, day, level):
    _, _, report = converse(
        signed_post, texter(day=day), {**QUIET, "neuro": "yes", "neuro_which": "7", "limb_side": "no", "headache": "0"}
    )
    assert report.level == level


def test_in_spanish_the_side_question_is_asked_and_understood(twilio_app, signed_post, texter):
    patient = texter("es")
    asked, last, report = converse(
        signed_post, patient, {**QUIET, "temperature": "37,0", "neuro": "si", "neuro_which": "7", "limb_side": "si"}
    )
    assert any("un solo lado del cuerpo" in t for t in TEXTS_BACK), TEXTS_BACK
    assert report.level == "emergency" and "emergencia" in last


@pytest.mark.parametrize(("which", "flag"), [("3", "speech_understanding_difficulty"), ("4", "hallucinations")])
@pytest.mark.parametrize("language", ["en", "es"])
def test_trouble_understanding_and_hallucinations_by_sms_are_urgent(
    twilio_app, signed_post, texter, which, flag, language
):
    patient = texter(language)
    _, _, report = converse(signed_post, patient, {**QUIET, "neuro": "yes", "neuro_which": which})
    assert report.neuro[flag] is True and report.level == "urgent"
    asked_text = " ".join(TEXTS_BACK)
    expected = {
        "en": ("trouble understanding", "things that are not there"),
        "es": ("dificultad para entender", "cosas que no estan"),
    }[language]  # GSM-7 drops the accent
    assert all(word in asked_text for word in expected), asked_text


def test_answering_no_to_the_neuro_question_records_the_new_items_as_absent(twilio_app, signed_post, texter):
    _, _, report = converse(signed_post, texter(), {**QUIET, "headache": "0"})
    assert report.neuro["speech_understanding_difficulty"] is False and report.neuro["hallucinations"] is False
    assert report.level == "routine"


@pytest.mark.parametrize(
    ("language", "cant", "answers", "level"),
    [
        ("en", "NO", {"headache": "3"}, "urgent"),
        ("es", "no tengo", {"headache": "3"}, "urgent"),
        ("en", "NO", {"headache": "2"}, "routine"),  # one step below severe
        ("en", "NO", {"neuro": "yes", "neuro_which": "7", "limb_side": "yes"}, "emergency"),
        ("es", "no tengo", {"neuro": "si", "neuro_which": "7", "limb_side": "no se"}, "urgent"),
        ("en", "can't", {"neuro": "yes", "neuro_which": "4"}, "urgent"),  # hallucinations
    ],
)
def test_neuro_answers_after_cant_measure_by_sms(twilio_app, signed_post, texter, language, cant, answers, level):
    """Missing data and neuro signs in one SMS conversation: the temperature answered "can't measure"
    and a neuro sign. The sign keeps its level; the temperature is stored as not measured."""
    asked, _, report = converse(signed_post, texter(language), {**QUIET, "temperature": cant, **answers})
    assert "temperature" in report.not_measured and report.temperature_c is None
    assert report.level == level, (asked, report.assessment)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("which", "level"), [("8", "urgent"), ("6", "urgent")])
def test_agitation_can_be_reported_by_sms_and_is_urgent(twilio_app, signed_post, texter, language, which, level):
    """R9 names agitation; the check-in page and the app ask it, SMS did not: a texting patient's
    caregiver had no way to report it."""
    _, _, report = converse(signed_post, texter(language), {**QUIET, "neuro": "yes", "neuro_which": which})
    assert report.neuro["agitation"] is (which == "8") and report.level == level
    word = {"en": "8 agitation", "es": "8 agitacion"}[language]  # GSM-7 drops the accent
    assert any(word in t for t in TEXTS_BACK), TEXTS_BACK


def test_answering_no_records_agitation_as_absent(twilio_app, signed_post, texter):
    _, _, report = converse(signed_post, texter(), {**QUIET, "headache": "0"})
    assert report.neuro["agitation"] is False and report.level == "routine"


def test_a_check_in_that_asks_diarrhoea_asks_belly_pain_by_sms_too():
    from app.sms.questions import questions_for

    keys = questions_for(["temperature", "diarrhea"])
    assert keys.index("abdominal_pain") == keys.index("diarrhea") + 1
    assert "diarrhea" not in questions_for(["temperature", "symptoms"])


@pytest.mark.parametrize(
    ("language", "diarrhoea", "pain", "level"),
    [
        ("en", "1", "3", "same_day"),  # any diarrhoea ("rarely") with severe belly pain: R14
        ("es", "1", "3", "same_day"),
        ("en", "1", "2", "routine"),  # pain one step below severe
        ("en", "0", "4", "routine"),  # no diarrhoea
    ],
)
def test_r14_by_sms_for_carvykti(
    twilio_app, signed_post, tick, frozen_clock, make_patient, center, on_call, language, diarrhoea, pain, level
):
    """Carvykti's check-ins ask diarrhoea (R14, IEC-EC boxed warning); a texting patient was never
    asked it, so 'diarrhoea of any amount with severe abdominal pain' could not reach the team."""
    from sqlalchemy import select

    from app.models import CheckIn
    from tests.sms.test_conversation import start_by_check_in

    on_call(center)
    infused = (utcnow() - timedelta(days=40)).isoformat()
    patient = make_patient(center, channel="sms", language=language, product="carvykti", infused_at=infused).patient
    first = db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.due_at)).first()
    first.asks = ["temperature", "diarrhea"]
    db.session.commit()
    start_by_check_in(patient, tick, frozen_clock)
    asked = []
    for _ in range(8):
        current = conversation(patient.id)
        if current.state != "active":
            break
        key = current.questions[0]
        asked.append(key)
        reply(
            signed_post,
            patient.phone,
            {
                "temperature": "98.6F",
                "diarrhea": diarrhoea,
                "abdominal_pain": pain,
                "danger": "no",
                "breathing": "no",
            }.get(key, "skip"),
        )
    report = db.session.get(Report, conversation(patient.id).report_id)
    assert "diarrhea" in asked and "abdominal_pain" in asked
    assert (report.symptoms["diarrhea"], report.symptoms["abdominal_pain"]) == (int(diarrhoea), int(pain))
    assert report.level == level
    found = {f["rule"]: f["level"] for f in report.assessment["findings"]}
    assert found.get("R14_enterocolitis") == ("same_day" if level == "same_day" else None)
