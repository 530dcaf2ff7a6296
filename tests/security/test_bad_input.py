"""Hostile and broken input gets a clear 4xx naming the problem, never a 500, and nothing stored
is lost or changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Patient, Report
from tests.personas import patient_body, report_body


def _counts() -> tuple[int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Report, Patient))


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def patient(make_patient, center):
    return make_patient(center)


@pytest.fixture
def nurse(make_staff, center, login):
    return login(make_staff("nurse", center))


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('{"client_id": "abcdefgh", "recorded_at": ', "application/json", 400),
        ("client_id=x&recorded_at=y", "application/x-www-form-urlencoded", 415),
        ("<report/>", "text/xml", 415),
        ("[]", "application/json", 422),
        ("null", "application/json", 422),
        ('"a string"', "application/json", 422),
        ("x" * (300 * 1024), "application/json", 413),
    ],
)
def test_broken_bodies_are_refused_clearly(client, patient, data, content_type, status):
    before = _counts()
    response = client.post("/api/v1/me/reports", data=data, content_type=content_type, headers=patient.headers)
    assert response.status_code == status
    assert response.json["error"]["message"]
    assert _counts() == before


@pytest.mark.parametrize(
    "field",
    ["client_id", "recorded_at", "vitals", "symptoms", "neuro", "signs", "antipyretic_in_last_6h", "reported_by"],
)
def test_nulls_everywhere_are_named(client, patient, field):
    body = report_body(vitals={"heart_rate": 80})
    body[field] = None
    response = client.post("/api/v1/me/reports", json=body, headers=patient.headers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert _counts()[0] == 0


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("vitals.temperature_c", "38.5"),
        ("vitals.heart_rate", "80"),
        ("symptoms.chills", "2"),
        ("neuro.confusion", "true"),
        ("neuro.ice.orientation", "4"),
        ("check_in_id", "1"),
    ],
)
def test_numbers_and_flags_as_strings_are_refused(client, patient, path, value):
    body = report_body(
        vitals={"heart_rate": 80},
        neuro={"ice": {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}},
    )
    target = body
    *parents, leaf = path.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[leaf] = value
    before = _counts()
    response = client.post("/api/v1/me/reports", json=body, headers=patient.headers)
    assert response.status_code == 422
    assert path in response.json["error"]["fields"]
    assert _counts() == before  # nothing stored


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ñúñez-Ødegård",
        "王小明",
        "Robert'); DROP TABLE patients;--",
        "<script>alert(1)</script>",
        'O\'Brien "Bob"',
        "🙂 Smile",
    ],
)
def test_unicode_and_hostile_names_are_stored_as_text(client, nurse, center, name):
    response = client.post("/api/v1/patients", json=patient_body(center, name=name), headers=nurse)
    assert response.status_code == 201
    assert db.session.get(Patient, response.json["id"]).name == name
    assert client.get(f"/api/v1/patients/{response.json['id']}", headers=nurse).json["name"] == name
    assert db.session.scalar(select(func.count()).select_from(Patient)) == 1  # the table is still there


@pytest.mark.parametrize("value", ["' OR 1=1 --", "1; DELETE FROM reports", "<img src=x onerror=alert(1)>"])
def test_sql_ish_and_script_ish_query_values_are_refused_or_harmless(client, nurse, value):
    for url in (
        f"/api/v1/patients?status={value}",
        f"/api/v1/alerts?status={value}",
        f"/api/v1/protocols?family={value}",
    ):
        response = client.get(url, headers=nurse)
        assert response.status_code in (200, 422)
        if response.status_code == 200:
            assert response.json == []


def test_a_huge_note_is_refused_by_name(client, patient):
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"heart_rate": 80}, note="x" * 2001), headers=patient.headers
    )
    assert response.status_code == 422 and "note" in response.json["error"]["fields"]


def test_path_ids_beyond_32_bits_are_404_not_500(client, nurse):
    assert client.get(f"/api/v1/patients/{2**40}", headers=nurse).status_code == 404
    assert client.get("/api/v1/patients/-1", headers=nurse).status_code == 404


def test_a_bad_request_leaves_no_audit_of_a_change(client, nurse, center):
    client.post("/api/v1/patients", json=patient_body(center, phone="nope"), headers=nurse)
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "patient.create"))
        == 0
    )


def test_api_answers_carry_safety_headers(client, nurse):
    response = client.get("/api/v1/patients", headers=nurse)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
