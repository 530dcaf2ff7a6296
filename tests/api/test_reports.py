"""POST /me/reports and /patients/{id}/reports: validation, grading in the request, idempotency,
alerts growing, failing toward a human."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, AlertEvent, Report
from tests.personas import report_body


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def patient(make_patient, center, on_call):
    on_call(center)
    return make_patient(center)


def post(client, patient, body):
    return client.post("/api/v1/me/reports", json=body, headers=patient.headers)


@pytest.mark.parametrize(
    ("block", "field", "value"),
    [
        ("vitals", "temperature_c", 29.9),
        ("vitals", "temperature_c", 45.1),
        ("vitals", "temperature_f", 85.9),
        ("vitals", "temperature_f", 113.1),
        ("vitals", "heart_rate", 19),
        ("vitals", "heart_rate", 251),
        ("vitals", "systolic_bp", 39),
        ("vitals", "systolic_bp", 301),
        ("vitals", "spo2", 49),
        ("vitals", "spo2", 101),
        ("vitals", "temperature_c", "38.4"),
        ("vitals", "heart_rate", True),
        ("vitals", "spo2", None),
        ("symptoms", "chills", 5),
        ("symptoms", "chills", -1),
        ("symptoms", "nausea", 1.5),
        ("symptoms", "made_up", 1),
        ("neuro", "confusion", "yes"),
        ("signs", "blue_lips", 1),
    ],
)
def test_implausible_values_are_refused_by_name_and_nothing_is_stored(client, patient, block, field, value):
    body = report_body(**{block: {field: value}})
    if value is None:
        body["vitals"]["heart_rate"] = 80  # a null alone is fine; pair it with a value
    response = post(client, patient, body)
    if value is None:
        assert response.status_code == 201
        return
    assert response.status_code == 422, response.json
    assert f"{block}.{field}" in response.json["error"]["fields"]
    assert _count(Report) == 0


def test_every_bad_field_is_named_at_once(client, patient):
    body = report_body(
        vitals={"spo2": 120, "systolic_bp": 100, "diastolic_bp": 110},
        neuro={"ice": {"orientation": 5, "naming": 3, "commands": 1, "writing": 2}},
    )
    del body["client_id"]
    fields = post(client, patient, body).json["error"]["fields"]
    assert set(fields) >= {
        "client_id",
        "vitals.spo2",
        "vitals.diastolic_bp",
        "neuro.ice.orientation",
        "neuro.ice.writing",
        "neuro.ice.attention",
    }


def test_both_temperature_units_at_once_are_refused(client, patient):
    response = post(client, patient, report_body(vitals={"temperature_c": 38.0, "temperature_f": 100.4}))
    assert "vitals.temperature_f" in response.json["error"]["fields"]


def test_an_empty_report_is_refused(client, patient):
    response = post(client, patient, report_body(vitals={}, note="just a note"))
    assert response.status_code == 422
    assert "_schema" in response.json["error"]["fields"]


def test_recorded_at_bounds(client, patient, frozen_clock):
    future = post(client, patient, report_body(frozen_clock.now + timedelta(minutes=6), vitals={"heart_rate": 80}))
    assert "recorded_at" in future.json["error"]["fields"]
    near = post(client, patient, report_body(frozen_clock.now + timedelta(minutes=4), vitals={"heart_rate": 80}))
    assert near.status_code == 201
    before = patient.patient.infused_at - timedelta(days=1, minutes=1)
    early = post(client, patient, report_body(before, vitals={"heart_rate": 80}))
    assert early.status_code == 422 and "recorded_at" in early.json["error"]["fields"]
    assert _count(Report) == 1


def test_fahrenheit_is_converted_and_the_raw_value_kept(client, patient, login, make_staff, center):
    response = post(client, patient, report_body(vitals={"temperature_f": 100.4}))
    assert response.status_code == 201
    assert response.json["assessment"]["level"] == "urgent"
    assert any(f["rule"].startswith("R1") for f in response.json["assessment"]["findings"])
    history = client.get(f"/api/v1/patients/{patient.id}/reports", headers=login(make_staff("nurse", center))).json
    assert history[0]["vitals"]["temperature_c"] == pytest.approx(38.0)
    assert (history[0]["vitals"]["temperature_raw"], history[0]["vitals"]["temperature_unit"]) == (100.4, "F")


def test_a_routine_report_opens_no_alert(client, patient):
    response = post(client, patient, report_body(vitals={"temperature_c": 36.8, "heart_rate": 72, "spo2": 98}))
    assert response.status_code == 201
    assert response.json["assessment"]["level"] == "routine"
    assert response.json["alert"] is None
    assert response.json["assessment"]["ruleset"]["protocol_id"] == patient.patient.protocol_id


def test_a_retry_three_times_yields_one_report_one_alert_and_one_page(client, patient):
    from app.models import Notification

    body = report_body(vitals={"temperature_c": 38.6})
    first = post(client, patient, body)
    retries = [post(client, patient, body) for _ in range(3)]
    assert first.status_code == 201
    assert [r.status_code for r in retries] == [200, 200, 200]
    assert all(r.json == first.json for r in retries)
    assert (_count(Report), _count(Alert), _count(Notification, Notification.purpose == "page")) == (1, 1, 1)


def test_a_conflicting_retry_is_409_and_changes_nothing(client, patient):
    body = report_body(vitals={"temperature_c": 37.0})
    post(client, patient, body)
    conflicting = post(client, patient, {**body, "vitals": {"temperature_c": 39.0}})
    assert conflicting.status_code == 409
    assert "client_id" in conflicting.json["error"]["fields"]
    assert _count(Report) == 1 and _count(Alert) == 0


def test_the_same_client_id_from_two_patients_is_two_reports(client, patient, make_patient, center):
    other = make_patient(center)
    body = report_body(vitals={"heart_rate": 70})
    assert post(client, patient, body).status_code == 201
    assert post(client, other, body).status_code == 201


def test_two_urgent_reports_grow_one_alert_and_an_emergency_upgrades_it(client, patient, frozen_clock):
    first = post(client, patient, report_body(vitals={"temperature_c": 38.3}))
    frozen_clock.advance(minutes=20)
    second = post(client, patient, report_body(neuro={"confusion": True}))
    assert first.json["alert"]["id"] == second.json["alert"]["id"]
    alert = db.session.get(Alert, first.json["alert"]["id"])
    assert alert.level == "urgent" and alert.upgrade_count == 0
    assert {f["report_id"] for f in alert.findings} == {first.json["report"]["id"], second.json["report"]["id"]}
    frozen_clock.advance(minutes=5)
    third = post(client, patient, report_body(neuro={"seizure": True}))
    db.session.refresh(alert)
    assert third.json["alert"] == {"id": alert.id, "status": "open", "level": "emergency"}
    assert (alert.level, alert.upgrade_count) == ("emergency", 1)
    kinds = [e.kind for e in db.session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id))]
    assert kinds.count("upgraded") == 1 and "findings_added" in kinds
    assert _count(Alert) == 1


def test_a_lower_level_report_never_lowers_the_alert(client, patient):
    post(client, patient, report_body(neuro={"seizure": True}))
    post(client, patient, report_body(symptoms={"bleeding_or_bruising": 1}))
    assert db.session.scalar(select(Alert.level)) == "emergency"


def test_same_day_opens_a_low_priority_alert(client, patient):
    response = post(client, patient, report_body(symptoms={"bleeding_or_bruising": 1}))
    assert response.json["assessment"]["level"] == "same_day"
    assert response.json["alert"]["level"] == "same_day"


def test_a_broken_engine_stores_the_report_and_opens_a_review_alert(client, patient, monkeypatch):
    import app.services.reports as reports

    def broken(*_args, **_kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(reports, "grade", broken)  # a fault injected on purpose
    response = post(client, patient, report_body(vitals={"temperature_c": 36.9}))
    assert response.status_code == 201
    assessment = response.json["assessment"]
    assert (assessment["graded"], assessment["level"]) == (False, "urgent")
    assert assessment["findings"][0]["rule"] == "grading_failed"
    assert "review" in assessment["findings"][0]["summary"]
    alert = db.session.get(Alert, response.json["alert"]["id"])
    assert (alert.kind, alert.level) == ("grading_failed", "urgent")
    assert db.session.get(Report, response.json["report"]["id"]).graded is False


def test_a_broken_translation_still_stores_the_report_and_answers_in_english(client, make_patient, center, monkeypatch):
    import app.rules.instructions as instructions

    real = instructions.translations_for

    class BrokenSpanish:  # a catalogue entry whose placeholder was mistranslated: a fault injected on purpose
        gettext = staticmethod(lambda _text: "Llame al %(telefono)s")
        ngettext = staticmethod(lambda _one, _many, _n: "%(minutos)s")

    monkeypatch.setattr(instructions, "translations_for", lambda lang: BrokenSpanish() if lang == "es" else real(lang))
    patient = make_patient(center, language="es")
    response = post(client, patient, report_body(vitals={"temperature_c": 38.5}))
    assert response.status_code == 201
    english = post(client, make_patient(center, language="en"), report_body(vitals={"temperature_c": 38.5}))
    assert response.json["assessment"]["instructions"] == english.json["assessment"]["instructions"]
    assert "+16175550100" in english.json["assessment"]["instructions"]
    assert db.session.get(Alert, response.json["alert"]["id"]).level == "urgent"
    assert db.session.get(Report, response.json["report"]["id"]) is not None


def test_a_spanish_speaking_patient_gets_spanish_instructions(client, make_patient, center):
    patient = make_patient(center, language="es")
    response = post(client, patient, report_body(vitals={"temperature_c": 38.5}))
    text = response.json["assessment"]["instructions"]
    assert "+16175550100" in text
    assert "Llame" in text or "llame" in text


def test_an_emergency_instruction_carries_the_wallet_card(client, patient):
    text = post(client, patient, report_body(neuro={"hard_to_wake": True})).json["assessment"]["instructions"]
    assert "Yescarta" in text and "+16175550100" in text


def test_a_late_report_is_graded_at_its_recorded_time_and_says_so(client, patient, frozen_clock):
    recorded = frozen_clock.now - timedelta(hours=5)
    response = post(client, patient, report_body(recorded, vitals={"temperature_c": 38.7}))
    assert response.json["alert"] is not None
    assert any("received" in f["summary"] for f in response.json["assessment"]["findings"])


def test_staff_can_take_a_report_by_phone(client, patient, login, make_staff, center):
    nurse = make_staff("nurse", center)
    response = client.post(
        f"/api/v1/patients/{patient.id}/reports", json=report_body(vitals={"spo2": 89}), headers=login(nurse)
    )
    assert response.status_code == 201
    assert response.json["assessment"]["level"] == "emergency"
    stored = db.session.get(Report, response.json["report"]["id"])
    assert (stored.source, stored.entered_by_staff_id) == ("staff", nurse.id)


def test_staff_of_another_centre_cannot_post_or_read_reports(client, patient, login, make_staff, make_center):
    stranger = login(make_staff("nurse", make_center()))
    assert (
        client.post(
            f"/api/v1/patients/{patient.id}/reports", json=report_body(vitals={"spo2": 97}), headers=stranger
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/patients/{patient.id}/reports", headers=stranger).status_code == 404


def test_a_check_in_of_another_patient_is_refused(client, patient):
    response = post(client, patient, report_body(vitals={"spo2": 97}, check_in_id=999))
    assert response.status_code == 422 and "check_in_id" in response.json["error"]["fields"]


def test_my_reports_lists_only_mine_newest_first(client, patient, make_patient, center, frozen_clock):
    other = make_patient(center)
    post(client, patient, report_body(vitals={"heart_rate": 70}))
    frozen_clock.advance(minutes=1)
    post(client, patient, report_body(vitals={"heart_rate": 71}))
    post(client, other, report_body(vitals={"heart_rate": 90}))
    mine = client.get("/api/v1/me/reports", headers=patient.headers).json
    assert [r["vitals"]["heart_rate"] for r in mine] == [71, 70]


def test_the_baseline_given_at_enrollment_grades_a_relative_drop(client, make_patient, center, on_call):
    """R20/R6a (docs/clinical-rules.md) end to end: POST /patients stores the day-0 baseline and grading uses it;
    95 mmHg is no alarm alone, but it is below 80 % of a 150 baseline."""
    on_call(center)
    with_baseline = make_patient(center, baseline={"systolic_bp": 150})
    without = make_patient(center)
    body = {"vitals": {"systolic_bp": 95, "diastolic_bp": 60, "temperature_c": 36.8}}
    graded = post(client, with_baseline, report_body(**body)).json["assessment"]
    plain = post(client, without, report_body(**body)).json["assessment"]
    assert "R6a_low_blood_pressure" in [f["rule"] for f in graded["findings"]]
    assert graded["level"] == "urgent"
    assert "R6a_low_blood_pressure" not in [f["rule"] for f in plain["findings"]]
