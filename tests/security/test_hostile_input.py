"""No input is lost or answered with a 500: text a database cannot store, JSON
nested 50,000 deep, integers of thousands of digits, instants in year 1, a CR/LF in `next`,
unknown query parameters; each a 4xx naming the field, and nothing stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, OnCallShift, Patient, Report
from tests.personas import PASSWORD, patient_body, report_body
from tests.web.conftest import csrf_from


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _fields(response) -> set[str]:
    if response.json.get("resourceType") == "OperationOutcome":  # FHIR endpoints: one issue per field
        return {loc for issue in response.json["issue"] for loc in issue.get("location", [])}
    return set(response.json["error"].get("fields", {}))


@pytest.fixture
def world(client, make_center, make_staff, make_patient, login):
    center = make_center()
    nurse = make_staff("nurse", center)
    admin = make_staff("admin", center)
    return {
        "center": center,
        "nurse": login(nurse),
        "admin": login(admin),
        "patient": make_patient(center),
        "nurse_id": nurse.id,
    }


def _raw(client, method: str, path: str, text: str, headers: dict):
    return client.open(
        path,
        method=method,
        data=text.encode("utf-8", "surrogatepass"),
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "lone_surrogate"])
def test_unstorable_characters_in_notes_and_names_are_named(client, world, bad):
    patients, reports = _count(Patient), _count(Report)
    body = report_body(vitals={"temperature_c": 37.0}, note=bad)
    response = _raw(client, "POST", "/api/v1/me/reports", json.dumps(body), world["patient"].headers)
    assert response.status_code == 422 and _fields(response) == {"note"}
    enrol = _raw(
        client,
        "POST",
        "/api/v1/patients",
        json.dumps(patient_body(world["center"], name=bad, caregiver_name=bad)),
        world["nurse"],
    )
    assert enrol.status_code == 422 and _fields(enrol) == {"name", "caregiver_name"}
    if "\x00" in bad:  # a URL cannot carry a lone surrogate (it is decoded as UTF-8)
        query = client.get("/api/v1/patients?status=a%00b", headers=world["nurse"])
        assert query.status_code == 422 and _fields(query) == {"query.status"}
    assert (_count(Patient), _count(Report)) == (patients, reports)


def test_json_nested_50000_deep_on_login_is_a_400(client):
    deep = '{"email": ' + "[" * 50_000 + "]" * 50_000 + ', "password": "x"}'
    response = client.post("/api/v1/auth/login", data=deep, content_type="application/json")
    assert response.status_code == 400 and _fields(response) == {"body"}
    moderately = '{"email": ' + "[" * 900 + "]" * 900 + ', "password": "x"}'  # decodes, then too deep
    response = client.post("/api/v1/auth/login", data=moderately, content_type="application/json")
    assert response.status_code == 400 and _fields(response) == {"body"}


def test_integers_of_thousands_of_digits_are_named(client, world):
    reports = _count(Report)
    for digits in (1_200, 5_000):  # below and above Python's 4,300-digit parsing limit
        body = json.dumps(report_body()).replace(
            '"client_id"', '"vitals": {"heart_rate": ' + "9" * digits + '}, "client_id"'
        )
        response = _raw(client, "POST", "/api/v1/me/reports", body, world["patient"].headers)
        assert response.status_code in (400, 422), response.json
        assert _fields(response) == ({"vitals.heart_rate"} if digits < 4300 else {"body"})
        login = _raw(client, "POST", "/api/v1/auth/login", '{"email": ' + "9" * digits + ', "password": "x"}', {})
        assert login.status_code in (400, 422) and _fields(login) in ({"email"}, {"body"})
    assert _count(Report) == reports


def test_instants_in_year_1_are_named(client, world, frozen_clock):
    year_one = "0001-01-01T00:00:00+05:00"
    reports, shifts = _count(Report), _count(OnCallShift)
    body = report_body(vitals={"temperature_c": 37.0})
    body["recorded_at"] = year_one
    response = client.post("/api/v1/me/reports", json=body, headers=world["patient"].headers)
    assert response.status_code == 422 and _fields(response) == {"recorded_at"}
    protocol_id = db.session.get(Patient, world["patient"].id).protocol_id
    dry = client.post(
        f"/api/v1/protocols/{protocol_id}/dry-run",
        headers=world["admin"],
        json={"since": year_one, "until": frozen_clock.now.isoformat()},
    )
    assert dry.status_code == 422 and _fields(dry) == {"since"}
    roster = client.put(
        f"/api/v1/centers/{world['center'].id}/on-call",
        headers=world["admin"],
        json={"entries": [{"staff_id": world["nurse_id"], "starts_at": "0001-01-01T00:00:00"}]},
    )
    assert roster.status_code == 422 and _fields(roster) == {"entries.0.starts_at"}
    fhir = client.get(
        f"/api/v1/patients/{world['patient'].id}/fhir", query_string={"_since": year_one}, headers=world["nurse"]
    )
    assert fhir.status_code == 422 and _fields(fhir) == {"query._since"}
    assert (_count(Report), _count(OnCallShift)) == (reports, shifts)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/centers",
        "/api/v1/me",
        "/api/v1/patients/{patient}",
        "/api/v1/alerts",
        "/api/v1/centers/{center}/on-call",
    ],
)
def test_unknown_query_parameters_are_refused_by_name(client, world, path):
    url = path.format(patient=world["patient"].id, center=world["center"].id)
    headers = world["patient"].headers if path == "/api/v1/me" else world["nurse"]
    response = client.get(url, query_string={"colour": "red"}, headers=headers)
    assert response.status_code == 422 and _fields(response) == {"query.colour"}


def test_an_unknown_query_parameter_on_a_write_stores_nothing(client, world):
    response = client.post(
        "/api/v1/me/reports?dry=1", json=report_body(vitals={"temperature_c": 37.0}), headers=world["patient"].headers
    )
    assert response.status_code == 422 and _fields(response) == {"query.dry"}
    assert _count(Report) == 0


def test_a_line_break_in_next_is_a_400_naming_it(client, make_center, make_staff):
    user = make_staff("nurse", make_center())
    assert client.get("/sign-in?next=/patients%0d%0aSet-Cookie:x=1").status_code == 400
    page = client.get("/sign-in").get_data(as_text=True)
    response = client.post(
        "/sign-in",
        data={
            "csrf_token": csrf_from(page),
            "email": user.email,
            "password": PASSWORD,
            "next": "/patients\r\nSet-Cookie: x=1",
        },
    )
    assert response.status_code == 400
    assert "next" in response.get_data(as_text=True)
    assert "Set-Cookie" not in str(response.headers)
    assert _count(AuditEvent) == 0  # not signed in either
