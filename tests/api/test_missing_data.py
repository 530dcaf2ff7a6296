"""Missing data is a finding: "can't measure" answers and R12 through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, Report
from tests.personas import report_body


@pytest.fixture
def center(make_center):
    return make_center("US")


@pytest.fixture
def patient(make_patient, center, on_call):
    on_call(center)
    return make_patient(center)


def post(client, patient, body):
    return client.post("/api/v1/me/reports", json=body, headers=patient.headers)


def rules(response) -> dict[str, str]:
    return {f["rule"]: f["level"] for f in response.json["assessment"]["findings"]}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---- the answer itself -------------------------------------------------------------------------


@pytest.mark.parametrize("vital", ["temperature", "heart_rate", "blood_pressure", "spo2", "respiratory_rate", "weight"])
def test_every_vital_can_be_answered_cant_measure_and_is_stored_and_shown(
    client, patient, login, make_staff, center, vital
):
    response = post(client, patient, report_body(not_measured=[vital]))
    assert response.status_code == 201, response.json
    history = client.get(f"/api/v1/patients/{patient.id}/reports", headers=login(make_staff("nurse", center))).json
    assert history[0]["not_measured"] == [vital]
    assert history[0]["vitals"] == {}
    mine = client.get("/api/v1/me/reports", headers=patient.headers).json
    assert mine[0]["not_measured"] == [vital]


def test_not_asked_is_not_cant_measure(client, patient, login, make_staff, center):
    response = post(client, patient, report_body(symptoms={"nausea": 1}))
    assert response.status_code == 201
    history = client.get(f"/api/v1/patients/{patient.id}/reports", headers=login(make_staff("nurse", center))).json
    assert history[0]["not_measured"] == []


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"not_measured": ["pulse"]}, "not_measured", "Must be one of"),
        ({"not_measured": ["spo2", "spo2"]}, "not_measured", "Must not repeat"),
        ({"not_measured": "spo2"}, "not_measured", "Not a valid list"),
        ({"not_measured": ["temperature"], "vitals": {"temperature_c": 37.0}}, "not_measured", "temperature"),
        ({"not_measured": ["temperature"], "vitals": {"temperature_f": 98.6}}, "not_measured", "temperature"),
        ({"not_measured": ["blood_pressure"], "vitals": {"diastolic_bp": 70}}, "not_measured", "blood_pressure"),
    ],
)
def test_bad_cant_measure_answers_are_named_and_store_nothing(client, patient, body, field, words):
    response = post(client, patient, report_body(**body))
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert any(k.startswith(field) for k in fields), fields
    assert words in str(fields)
    assert _count(Report) == 0


# ---- R12: no temperature for more than 8 h in the acute window -------------------------------------


def _gap_then(client, patient, frozen_clock, minutes: int, body: dict):
    first = post(client, patient, report_body(vitals={"temperature_c": 36.8}))
    assert first.json["assessment"]["level"] == "routine"
    frozen_clock.advance(minutes=minutes)
    return post(client, patient, report_body(**body))


@pytest.mark.parametrize(
    ("minutes", "body", "fires"),
    [
        (8 * 60, {"symptoms": {"nausea": 1}}, False),  # exactly 8 h: not yet
        (8 * 60 + 1, {"symptoms": {"nausea": 1}}, True),  # just over 8 h
        (8 * 60, {"not_measured": ["temperature"]}, False),
        (8 * 60 + 1, {"not_measured": ["temperature"]}, True),
        (8 * 60 + 1, {"not_measured": ["spo2"], "vitals": {"heart_rate": 80}}, True),
        (8 * 60 + 1, {"vitals": {"temperature_c": 36.9}}, False),  # a temperature resets it
        (8 * 60 + 1, {"vitals": {"temperature_f": 98.4}}, False),  # in Fahrenheit too
        (12 * 60, {"vitals": {"temperature_f": 98.4}, "not_measured": ["spo2"]}, False),
    ],
)
def test_r12_boundary(client, patient, frozen_clock, minutes, body, fires):
    response = _gap_then(client, patient, frozen_clock, minutes, body)
    assert response.status_code == 201, response.json
    found = rules(response).get("R12_vitals_not_measured")
    if fires:
        assert found == "same_day"
        assert response.json["assessment"]["level"] == "same_day"
        summary = next(
            f["summary"] for f in response.json["assessment"]["findings"] if f["rule"] == "R12_vitals_not_measured"
        )
        assert "vitals not measured" in summary
        if "temperature" in body.get("not_measured", []):
            assert "can't measure" in summary
        # It reaches the nurse: an alert opens at same-day.
        assert response.json["alert"] is not None and response.json["alert"]["level"] == "same_day"
    else:
        assert found is None


def test_r12_counts_from_enrollment_when_no_temperature_was_ever_given(client, patient, frozen_clock):
    frozen_clock.advance(hours=8)
    assert "R12_vitals_not_measured" not in rules(post(client, patient, report_body(symptoms={"nausea": 1})))
    frozen_clock.advance(minutes=1)
    response = post(client, patient, report_body(symptoms={"nausea": 1}))
    assert rules(response)["R12_vitals_not_measured"] == "same_day"
    assert "none since monitoring began" in response.json["assessment"]["findings"][0]["summary"]


@pytest.mark.parametrize(
    ("jurisdiction", "day", "fires"),
    [
        ("US", 14, True),
        ("US", 15, False),
        ("EU", 28, True),
        ("EU", 29, False),
        ("UK", 20, True),
    ],
)
def test_r12_only_in_the_acute_window(
    client, make_center, make_patient, on_call, frozen_clock, jurisdiction, day, fires
):
    frozen_clock.set(frozen_clock.now.replace(hour=2))  # the report 9 h later falls on the same UTC day
    center = make_center(jurisdiction)
    on_call(center)
    infused = frozen_clock.now - timedelta(days=day)
    patient = make_patient(center, infused_at=infused.isoformat(), product="kymriah", timezone="UTC")
    post(client, patient, report_body(vitals={"temperature_c": 36.8}))
    frozen_clock.advance(hours=9)
    found = rules(post(client, patient, report_body(symptoms={"nausea": 1}))).get("R12_vitals_not_measured")
    assert (found == "same_day") is fires


def test_a_protocol_may_shorten_the_gap(client, patient, frozen_clock, login, make_staff, center):
    from app.models import Protocol

    clinician = login(make_staff("clinician", center))
    base = db.session.get(Protocol, patient.patient.protocol_id)
    content = {**base.content, "thresholds": {"vitals_gap_hours": 4}}
    v2 = client.post("/api/v1/protocols", json={"base_id": base.id, "content": content}, headers=clinician)
    assert v2.status_code == 201, v2.json
    patient.patient.protocol_id = v2.json["id"]
    db.session.commit()
    assert (
        rules(_gap_then(client, patient, frozen_clock, 4 * 60 + 1, {"symptoms": {"nausea": 1}})).get(
            "R12_vitals_not_measured"
        )
        == "same_day"
    )
    longer = {**base.content, "thresholds": {"vitals_gap_hours": 9}}
    refused = client.post("/api/v1/protocols", json={"base_id": base.id, "content": longer}, headers=clinician)
    assert refused.status_code == 422 and "content.thresholds.vitals_gap_hours" in refused.json["error"]["fields"]
    assert _count(Alert) == 1


# ---- R20: which relative rules are off for want of a baseline ------------------------------------


@pytest.mark.parametrize(
    ("product", "baseline", "missing", "off"),
    [
        (
            "yescarta",
            {},
            ["systolic_bp", "spo2", "ice_score", "handwriting_sample"],
            ["R6a_low_blood_pressure", "R10a_ice_drop", "R9_neuro_change"],
        ),
        ("yescarta", {"systolic_bp": 120, "spo2": 97, "ice_score": 10, "handwriting_sample": True}, [], []),
        (
            "yescarta",
            {"systolic_bp": 120, "spo2": 97, "ice_score": 10, "handwriting_sample": False},
            ["handwriting_sample"],
            ["R9_neuro_change"],
        ),
        (
            "yescarta",
            {"spo2": 97, "ice_score": 10, "handwriting_sample": True},
            ["systolic_bp"],
            ["R6a_low_blood_pressure"],
        ),
        ("yescarta", {"systolic_bp": 120, "ice_score": 10, "handwriting_sample": True}, ["spo2"], []),
        (
            "carvykti",
            {"systolic_bp": 120, "spo2": 97, "ice_score": 10, "handwriting_sample": True},
            ["weight_kg"],
            ["R14_enterocolitis"],
        ),
        (
            "carvykti",
            {"systolic_bp": 120, "spo2": 97, "ice_score": 10, "handwriting_sample": True, "weight_kg": 70},
            [],
            [],
        ),
    ],
)
def test_enrollment_says_which_relative_rules_are_off(
    client, center, make_staff, login, product, baseline, missing, off
):
    from tests.personas import patient_body

    nurse = login(make_staff("nurse", center))
    created = client.post(
        "/api/v1/patients", json=patient_body(center, product=product, baseline=baseline), headers=nurse
    )
    assert created.status_code == 201, created.json
    assert created.json["baseline_missing"] == missing
    assert [r["rule"] for r in created.json["relative_rules_off"]] == off
    shown = client.get(f"/api/v1/patients/{created.json['id']}", headers=nurse).json
    assert shown["relative_rules_off"] == created.json["relative_rules_off"]


def test_a_handwriting_sample_is_a_yes_or_no(client, center, make_staff, login):
    from tests.personas import patient_body

    nurse = login(make_staff("nurse", center))
    refused = client.post(
        "/api/v1/patients", json=patient_body(center, baseline={"handwriting_sample": "yes"}), headers=nurse
    )
    assert refused.status_code == 422
    assert "baseline.handwriting_sample" in refused.json["error"]["fields"]


def test_every_alert_says_when_relative_rules_are_off(client, patient, center, make_staff, login):
    nurse = login(make_staff("nurse", center))
    response = post(client, patient, report_body(vitals={"temperature_c": 38.4}))
    alert_id = response.json["alert"]["id"]
    detail = client.get(f"/api/v1/alerts/{alert_id}", headers=nurse).json
    assert detail["baseline_notice"].startswith("Relative rules off: no baseline")
    queue = {row["id"]: row for row in client.get("/api/v1/alerts", headers=nurse).json}
    assert queue[alert_id]["baseline_notice"] == detail["baseline_notice"]  # the queue API says it too
    client.patch(
        f"/api/v1/patients/{patient.id}",
        headers=login(make_staff("clinician", center)),
        json={"baseline": {"systolic_bp": 120, "spo2": 97, "ice_score": 10, "handwriting_sample": True}},
    )
    detail = client.get(f"/api/v1/alerts/{alert_id}", headers=nurse).json
    assert detail["baseline_notice"] is None
    assert client.get("/api/v1/alerts", headers=nurse).json[0]["baseline_notice"] is None


# ---- R20 in the page to staff: a short marker in the head, never cut ---------------------------------


def _page_bodies(alert_id: int) -> list[str]:
    from app.models import Notification

    return [
        n.body
        for n in db.session.scalars(
            select(Notification).where(Notification.alert_id == alert_id, Notification.purpose == "page")
        )
    ]


@pytest.mark.parametrize(
    ("baseline", "marked"),
    [
        ({}, True),  # nothing given: R6a, R10a, R9 handwriting compare with nothing
        ({"systolic_bp": 120, "spo2": 97, "ice_score": 10, "handwriting_sample": False}, True),  # handwriting off
        ({"spo2": 97, "ice_score": 10, "handwriting_sample": True}, True),  # systolic missing: R6a off
        ({"systolic_bp": 120, "ice_score": 10, "handwriting_sample": True}, False),  # SpO2 alone turns no rule off
        ({"systolic_bp": 120, "spo2": 97, "ice_score": 10, "handwriting_sample": True}, False),
    ],
)
def test_the_page_to_staff_says_no_baseline_when_a_relative_rule_is_off(
    client, make_patient, center, on_call, baseline, marked
):
    from app.notify.gsm import sms_segments

    on_call(center)
    patient = make_patient(center, baseline=baseline)
    answer = post(client, patient, report_body(vitals={"temperature_f": 100.4}))
    bodies = _page_bodies(answer.json["alert"]["id"])
    assert bodies, "the team was not paged"
    for body in bodies:
        assert ("NO BASELINE" in body) is marked, body
        assert body.startswith("VIGIL URGENT") and sms_segments(body) <= 2


def test_the_no_baseline_marker_and_a_late_report_keep_the_ack_code_in_two_segments(client, patient, frozen_clock):
    from app.notify.gsm import sms_segments

    # Many long findings, late, no baseline: the head grows, only the findings are shortened.
    answer = post(
        client,
        patient,
        report_body(
            frozen_clock.now - timedelta(hours=30),
            vitals={"temperature_f": 102.9, "heart_rate": 140, "systolic_bp": 82, "diastolic_bp": 50, "spo2": 91},
            neuro={"confusion": True, "hallucinations": True, "limb_numbness_or_weakness": True},
        ),
    )
    alert = db.session.get(Alert, answer.json["alert"]["id"])
    for body in _page_bodies(alert.id):
        assert "NO BASELINE, LATE REPORT recorded 30 h 0 min before received" in body
        assert f"ACK {alert.ack_code}" in body and body.endswith(f"/alerts/{alert.id}")
        assert sms_segments(body) <= 2
