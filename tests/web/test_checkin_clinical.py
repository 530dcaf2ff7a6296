"""Clinical classes on the patient's check-in page: the severe headache on the symptom
scale, arm or leg weakness with "one side of the body?", diarrhoea asked as a frequency, and the
new checklist items, in English and Spanish (docs/clinical-rules.md R9, R11, R14)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Report
from app.timesource import utcnow
from tests.web.conftest import unlabelled
from tests.web.test_checkin_page import _form

NEURO_ASKS = ("vitals", "symptoms", "neuro")


def _open(make_center, make_patient, make_check_in, *, asks=NEURO_ASKS, language="en", day=2, product="yescarta"):
    center = make_center(jurisdiction="US", timezone="America/New_York")
    infused = (utcnow() - timedelta(days=day)).isoformat()
    patient = make_patient(center, language=language, product=product, infused_at=infused).patient
    from app.services.checkin_links import make_token

    row = make_check_in(patient, asks=asks)
    return patient, f"/c/{make_token(row)}"


def _send(client, path, patient, answers: dict) -> tuple[str, Report]:
    response = client.post(path, data={**_form(client, path), "temperature_unit": "F", **answers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True), db.session.query(Report).filter_by(patient_id=patient.id).one()


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"symptom-headache": "2"}, "routine"),
        ({"symptom-headache": "3"}, "urgent"),
        ({"symptom-headache": "4"}, "urgent"),
        ({"neuro-severe_headache": "yes"}, "urgent"),
    ],
)
def test_a_severe_headache_on_the_page_is_urgent(client, make_center, make_patient, make_check_in, answers, level):
    patient, path = _open(make_center, make_patient, make_check_in)
    html, report = _send(client, path, patient, {"temperature": "98.6", **answers})
    assert report.level == level and f'data-level="{level}"' in html
    assert round(report.temperature_c, 1) == 37.0  # entered in °F


def test_the_page_asks_the_new_items_and_the_side_of_a_weak_limb(client, make_center, make_patient, make_check_in):
    for language, words in (
        (
            "en",
            (
                "Trouble understanding what others say",
                "Seeing or hearing things that are not there",
                "is it on one side of the body?",
                "Almost constantly",
            ),
        ),
        (
            "es",
            (
                "Dificultad para entender lo que dicen los demás",
                "Ve u oye cosas que no están",
                "en un solo lado del cuerpo",
                "Casi todo el tiempo",
            ),
        ),
    ):
        _, path = _open(make_center, make_patient, make_check_in, asks=(*NEURO_ASKS, "diarrhea"), language=language)
        html = client.get(path).get_data(as_text=True)
        for field in (
            'name="neuro-speech_understanding_difficulty"',
            'name="neuro-hallucinations"',
            'name="neuro-limb_numbness_or_weakness"',
            'id="limb_side-one"',
            'id="limb_side-unknown"',
        ):
            assert field in html, (language, field)
        for word in words:
            assert word in html, (language, word)
        assert unlabelled(html) == []


@pytest.mark.parametrize(
    ("day", "side", "stored", "level"),
    [
        (2, "one", True, "emergency"),
        (2, "both", False, "urgent"),
        (2, "unknown", None, "urgent"),
        (2, None, None, "urgent"),  # the side question left unanswered
        (30, "both", False, "urgent"),
        (31, "both", False, "same_day"),
        (31, "unknown", None, "urgent"),
        (60, "one", True, "emergency"),
    ],
)
def test_weakness_of_an_arm_or_leg_on_the_page(
    client, make_center, make_patient, make_check_in, day, side, stored, level
):
    patient, path = _open(make_center, make_patient, make_check_in, day=day)
    answers = {"neuro-limb_numbness_or_weakness": "yes", **({"limb_side": side} if side else {})}
    html, report = _send(client, path, patient, answers)
    assert report.neuro["limb_numbness_or_weakness"] is True
    assert report.neuro.get("limb_weakness_one_side") is stored
    assert report.level == level and f'data-level="{level}"' in html


@pytest.mark.parametrize("item", ["speech_understanding_difficulty", "hallucinations"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_new_items_on_the_page_are_urgent(client, make_center, make_patient, make_check_in, item, language):
    patient, path = _open(make_center, make_patient, make_check_in, language=language)
    html, report = _send(client, path, patient, {f"neuro-{item}": "yes"})
    assert report.neuro[item] is True and report.level == "urgent" and 'data-level="urgent"' in html
    others = {"speech_understanding_difficulty", "hallucinations"} - {item}
    assert all(report.neuro[o] is False for o in others)  # asked and not ticked: a "no"


def test_diarrhoea_is_asked_as_a_frequency_and_any_amount_with_severe_pain_is_same_day(
    client, make_center, make_patient, make_check_in
):
    patient, path = _open(make_center, make_patient, make_check_in, asks=("diarrhea",), product="carvykti", day=40)
    html = client.get(path).get_data(as_text=True)
    assert "How often have you had loose or watery stools (diarrhoea)?" in html and "Rarely" in html
    _, report = _send(client, path, patient, {"symptom-diarrhea": "1", "symptom-abdominal_pain": "3"})
    assert report.level == "same_day"
    assert any(f["rule"] == "R14_enterocolitis" for f in report.assessment["findings"])


@pytest.mark.parametrize(("side", "shown"), [(True, "one side only"), (False, "both sides"), (None, "side not known")])
def test_the_alert_page_says_how_late_the_report_is_and_the_side_of_a_weak_limb(
    client, frozen_clock, make_center, make_staff, make_patient, web_sign_in, side, shown
):
    from tests.personas import report_body

    center = make_center()
    patient = make_patient(center)
    neuro = {"limb_numbness_or_weakness": True, **({} if side is None else {"limb_weakness_one_side": side})}
    body = report_body(frozen_clock.now - timedelta(hours=26), neuro=neuro)
    alert = client.post("/api/v1/me/reports", json=body, headers=patient.headers).json["alert"]
    web_sign_in(make_staff("nurse", center))
    html = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    assert "recorded 26 h 0 min before it was received" in html
    assert f"(arm or leg: {shown})" in html


CANT_MEASURE_ALL = {
    "cant_measure-temperature": "yes",
    "cant_measure-heart_rate": "yes",
    "cant_measure-blood_pressure": "yes",
    "cant_measure-spo2": "yes",
}


@pytest.mark.parametrize(
    ("answers", "level", "rule"),
    [
        ({"symptom-headache": "3"}, "urgent", "R9_neuro_change"),
        ({"symptom-headache": "2"}, "routine", None),  # one step below severe: nothing but the missing vitals
        ({"neuro-limb_numbness_or_weakness": "yes", "limb_side": "one"}, "emergency", "R11_severe_neuro"),
        ({"neuro-limb_numbness_or_weakness": "yes", "limb_side": "unknown"}, "urgent", "R9_neuro_change"),
        ({"neuro-speech_understanding_difficulty": "yes"}, "urgent", "R9_neuro_change"),
        ({"neuro-hallucinations": "yes"}, "urgent", "R9_neuro_change"),
    ],
)
def test_neuro_answers_in_a_check_in_whose_vitals_could_not_be_measured(
    client, make_center, make_patient, make_check_in, answers, level, rule
):
    """Missing data and neuro signs in one check-in: every vital answered "I can't measure this" and a
    neuro sign. The sign is graded at its level; "can't measure" is stored as such, never as 0."""
    patient, path = _open(make_center, make_patient, make_check_in)
    html, report = _send(client, path, patient, {**CANT_MEASURE_ALL, **answers})
    assert sorted(report.not_measured) == ["blood_pressure", "heart_rate", "spo2", "temperature"]
    assert report.temperature_c is None and report.heart_rate is None and report.systolic_bp is None
    assert report.level == level and f'data-level="{level}"' in html
    found = {f["rule"]: f["level"] for f in report.assessment["findings"]}
    if rule:
        assert found[rule] == level
    else:
        assert "R9_neuro_change" not in found


@pytest.mark.parametrize(("pain", "level"), [("3", "same_day"), ("2", "routine")])
def test_the_weekly_pro_check_in_asks_abdominal_pain_beside_diarrhoea(
    client, make_center, make_patient, make_check_in, pain, level
):
    """A weekly PRO-CTCAE check-in asked diarrhoea without abdominal pain, so R14's 'diarrhoea of
    any amount with severe abdominal pain' could not be reported on it."""
    patient, path = _open(
        make_center, make_patient, make_check_in, asks=("temperature", "weekly_pro"), product="carvykti", day=40
    )
    html = client.get(path).get_data(as_text=True)
    assert 'name="symptom-diarrhea"' in html and 'name="symptom-abdominal_pain"' in html
    _, report = _send(
        client, path, patient, {"temperature": "99.0", "symptom-diarrhea": "1", "symptom-abdominal_pain": pain}
    )
    assert report.level == level
    assert {f["rule"]: f["level"] for f in report.assessment["findings"]}.get("R14_enterocolitis") == (
        "same_day" if level == "same_day" else None
    )
