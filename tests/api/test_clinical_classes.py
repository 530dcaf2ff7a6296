"""Each class of report the clinical review found graded below its level, posted through
POST /me/reports with the values just inside and just outside each boundary (docs/clinical-rules.md).

The check-in page and SMS channels of the same classes are in tests/web/test_checkin_clinical.py
and tests/sms/test_clinical_sms.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from app.timesource import utcnow
from tests.personas import report_body


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def enroll(make_patient, center, on_call):
    on_call(center)

    def make(product: str = "yescarta", day: int = 2, language: str = "en"):
        infused = utcnow() - timedelta(days=day)
        return make_patient(center, product=product, infused_at=infused.isoformat(), language=language)

    return make


def post(client, patient, recorded_at=None, **blocks) -> dict:
    response = client.post("/api/v1/me/reports", json=report_body(recorded_at, **blocks), headers=patient.headers)
    assert response.status_code == 201, response.json
    return response.json["assessment"]


def rules(assessment: dict) -> dict[str, str]:
    return {f["rule"]: f["level"] for f in assessment["findings"]}


# ---- item 1: headache (R9) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "level"),
    [
        ({"symptoms": {"headache": 2}}, "routine"),  # moderate: just outside
        ({"symptoms": {"headache": 3}}, "urgent"),  # severe: just inside
        ({"symptoms": {"headache": 4}}, "urgent"),  # very severe
        ({"neuro": {"severe_headache": True}}, "urgent"),  # the checklist box, as before
        ({"neuro": {"severe_headache": False}, "symptoms": {"headache": 1}}, "routine"),
        # The checklist box left unticked does not cancel a severe headache on the symptom scale.
        ({"neuro": {"severe_headache": False}, "symptoms": {"headache": 3}}, "urgent"),
    ],
)
def test_a_severe_headache_on_either_question_is_urgent(client, enroll, blocks, level):
    assessment = post(client, enroll(), **blocks)
    assert assessment["level"] == level
    assert ("R9_neuro_change" in rules(assessment)) == (level == "urgent")


def test_a_severe_headache_is_urgent_whatever_the_day_and_product(client, enroll):
    for product, day in (("yescarta", 2), ("carvykti", 60), ("kymriah", 200)):
        assert post(client, enroll(product, day), symptoms={"headache": 3})["level"] == "urgent", (product, day)


# ---- item 2: arm or leg weakness (R9, R11) ---------------------------------------------------


@pytest.mark.parametrize(
    ("product", "day", "neuro", "level", "rule"),
    [
        # days 0-30: at least urgent for every product, whatever the side
        ("yescarta", 0, {"limb_numbness_or_weakness": True}, "urgent", "R9_neuro_change"),  # side not known
        (
            "kymriah",
            30,
            {"limb_numbness_or_weakness": True, "limb_weakness_one_side": False},
            "urgent",
            "R9_neuro_change",
        ),  # both sides, last day inside
        (
            "abecma",
            10,
            {"limb_numbness_or_weakness": True, "limb_weakness_one_side": False},
            "urgent",
            "R9_neuro_change",
        ),  # BCMA before its day-15 late window
        (
            "breyanzi",
            31,
            {"limb_numbness_or_weakness": True, "limb_weakness_one_side": False},
            "same_day",
            "X2_movement_or_mood_change",
        ),  # both sides, first day outside (CD19)
        ("breyanzi", 31, {"limb_numbness_or_weakness": True}, "urgent", "R9_neuro_change"),  # unknown side: urgent
        (
            "carvykti",
            60,
            {"limb_numbness_or_weakness": True, "limb_weakness_one_side": False},
            "urgent",
            "R13_delayed_neurotoxicity",
        ),
        # one side: an emergency at any day
        (
            "yescarta",
            2,
            {"limb_numbness_or_weakness": True, "limb_weakness_one_side": True},
            "emergency",
            "R11_severe_neuro",
        ),
        (
            "tecartus",
            90,
            {"limb_numbness_or_weakness": True, "limb_weakness_one_side": True},
            "emergency",
            "R11_severe_neuro",
        ),
        ("yescarta", 2, {"limb_weakness_one_side": True}, "emergency", "R11_severe_neuro"),  # the side alone
        ("yescarta", 2, {"limb_numbness_or_weakness": False, "limb_weakness_one_side": False}, "routine", None),
    ],
)
def test_arm_or_leg_weakness(client, enroll, product, day, neuro, level, rule):
    assessment = post(client, enroll(product, day), neuro=neuro)
    assert assessment["level"] == level
    if rule:
        assert rules(assessment)[rule] == level


def test_a_one_sided_weakness_carries_the_wallet_card(client, enroll):
    assessment = post(client, enroll(), neuro={"limb_numbness_or_weakness": True, "limb_weakness_one_side": True})
    assert "Call emergency services" in assessment["instructions"] and "Yescarta" in assessment["instructions"]


# ---- item 3: late reports (L1) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "blocks", "level", "stale"),
    [
        (timedelta(minutes=60), {"neuro": {"seizure": True}}, "emergency", None),  # on time
        (timedelta(minutes=61), {"neuro": {"seizure": True}}, "emergency", False),  # late, still relevant
        (timedelta(hours=24), {"neuro": {"seizure": True}}, "emergency", False),
        (timedelta(hours=24, minutes=1), {"neuro": {"seizure": True}}, "urgent", True),  # stale: still urgent
        (
            timedelta(hours=30),
            {"vitals": {"temperature_c": 38.5, "systolic_bp": 85, "diastolic_bp": 50}},
            "urgent",
            True,
        ),  # fever with low blood pressure
        (timedelta(hours=30), {"vitals": {"temperature_f": 100.4}}, "urgent", True),  # 100.4 °F is a fever
        (timedelta(hours=30), {"vitals": {"temperature_f": 100.3}}, "routine", True),  # low-grade stays routine
        (timedelta(hours=30), {"symptoms": {"headache": 3}}, "urgent", True),
    ],
)
def test_a_late_report_keeps_at_least_urgent(client, enroll, frozen_clock, late, blocks, level, stale):
    patient = enroll(day=3)
    assessment = post(client, patient, frozen_clock.now - late, **blocks)
    assert assessment["level"] == level
    if stale is None:
        assert assessment.get("late") is None
        return
    assert assessment["late"]["minutes"] == int(late.total_seconds() // 60)
    assert assessment["late"]["stale"] is stale
    hours, minutes = divmod(int(late.total_seconds() // 60), 60)
    note = f"(recorded {hours} h {minutes} min before it was received)" if hours else f"(recorded {minutes} min"
    assert all(note in f["summary"] for f in assessment["findings"]), assessment["findings"]
    if level != "routine":
        assert f"This report reached us {hours} h {minutes} min after it was recorded." in assessment["instructions"]
    if stale and level == "urgent":
        assert "If any of this is still going on, call" in assessment["instructions"]


def test_a_stale_emergency_tells_the_patient_to_call_emergency_services_if_it_goes_on(client, enroll, frozen_clock):
    assessment = post(
        client, enroll(language="es"), frozen_clock.now - timedelta(hours=26), neuro={"hard_to_wake": True}
    )
    assert assessment["level"] == "urgent" and assessment["late"]["level_when_recorded"] == "emergency"
    text = assessment["instructions"]
    assert "Este informe nos llegó 26 h 0 min después de registrarse." in text
    assert "Si algo de esto sigue pasando, llame ahora mismo a los servicios de emergencia" in text
    assert "Yescarta" in text  # the wallet card, as for any emergency
    assert "(was emergency when recorded)" in assessment["findings"][0]["summary"]


def test_the_page_and_the_alert_say_how_late_the_report_is(client, enroll, frozen_clock, make_staff, login, center):
    patient = enroll()
    answer = client.post(
        "/api/v1/me/reports",
        headers=patient.headers,
        json=report_body(frozen_clock.now - timedelta(hours=27, minutes=5), neuro={"seizure": True}),
    ).json
    alert = client.get(f"/api/v1/alerts/{answer['alert']['id']}", headers=login(make_staff("nurse", center))).json
    assert alert["level"] == "urgent"
    assert "(recorded 27 h 5 min before it was received)" in alert["findings"][0]["summary"]
    pages = db.session.scalars(
        select(Notification).where(Notification.alert_id == answer["alert"]["id"], Notification.purpose == "page")
    ).all()
    assert pages, "the team was not paged"
    assert all(p.body.startswith("VIGIL URGENT") for p in pages)
    assert all("LATE REPORT recorded 27 h 5 min before received" in p.body for p in pages), [p.body for p in pages]


# ---- item 4: persistent low-grade temperature (R2) --------------------------------------------


@pytest.mark.parametrize(
    ("first", "gap_minutes", "second", "level"),
    [
        ({"temperature_c": 37.6}, 360, {"temperature_c": 37.9}, "same_day"),  # 6 h: just inside
        ({"temperature_c": 37.6}, 361, {"temperature_c": 37.9}, "routine"),  # just outside: recheck
        ({"temperature_c": 37.5}, 240, {"temperature_c": 37.5}, "same_day"),  # two check-ins 4 h apart
        ({"temperature_c": 37.4}, 240, {"temperature_c": 37.6}, "routine"),  # the first was normal
        ({"temperature_f": 99.5}, 300, {"temperature_f": 100.3}, "same_day"),  # 37.5 and 37.94 °C
        ({"temperature_f": 99.4}, 300, {"temperature_f": 100.3}, "routine"),  # 37.44 °C is below 37.5
    ],
)
def test_low_grade_temperature_at_two_reports_within_6_hours(
    client, enroll, frozen_clock, first, gap_minutes, second, level
):
    patient = enroll()
    post(client, patient, vitals=first)
    frozen_clock.advance(minutes=gap_minutes)
    assessment = post(client, patient, vitals=second)
    assert assessment["level"] == level
    assert rules(assessment)["R2_low_grade_temperature"] == level


# ---- item 5: R14 diarrhoea with severe abdominal pain ------------------------------------------


@pytest.mark.parametrize(
    ("symptoms", "level"),
    [
        ({"diarrhea": 1, "abdominal_pain": 3}, "same_day"),  # any diarrhoea ("rarely") with severe pain
        ({"diarrhea": 0, "abdominal_pain": 4}, None),  # no diarrhoea
        ({"diarrhea": 4, "abdominal_pain": 2}, None),  # pain not severe (frequent diarrhoea alone is R14 days)
        ({"diarrhea": 2, "abdominal_pain": 4}, "same_day"),
        ({"diarrhea": 1, "abdominal_pain": 2}, None),  # any diarrhoea, pain one step below severe
    ],
)
def test_r14_diarrhoea_of_any_amount_with_severe_abdominal_pain(client, enroll, symptoms, level):
    assessment = post(client, enroll("carvykti", 40), symptoms=symptoms)
    assert rules(assessment).get("R14_enterocolitis") == level


@pytest.mark.parametrize(("fahrenheit", "level"), [(100.4, "urgent"), (100.3, "same_day")])
def test_r14_with_fever_in_fahrenheit_is_urgent(client, enroll, fahrenheit, level):
    assessment = post(
        client,
        enroll("carvykti", 40),
        symptoms={"diarrhea": 1, "abdominal_pain": 3},
        vitals={"temperature_f": fahrenheit},
    )
    assert rules(assessment)["R14_enterocolitis"] == level


# ---- item 8: signs that had no checklist item (R9) ----------------------------------------------


@pytest.mark.parametrize(
    ("neuro", "level"),
    [
        ({"speech_understanding_difficulty": True}, "urgent"),
        ({"hallucinations": True}, "urgent"),
        ({"speech_understanding_difficulty": False, "hallucinations": False}, "routine"),
    ],
)
def test_trouble_understanding_and_hallucinations_are_urgent(client, enroll, neuro, level):
    assessment = post(client, enroll(), neuro=neuro)
    assert assessment["level"] == level
    assert ("R9_neuro_change" in rules(assessment)) == (level == "urgent")


def test_the_new_items_are_in_the_openapi_schema(client):
    spec = client.get("/api/v1/openapi.json").json
    neuro = spec["components"]["schemas"]["Neuro"]["properties"]
    for name in ("speech_understanding_difficulty", "hallucinations", "limb_weakness_one_side"):
        assert name in neuro, name
    assert "one side" in neuro["limb_weakness_one_side"]["description"]
