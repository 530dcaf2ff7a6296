"""Protocols belong to a centre, and an admin is a centre's admin unless
created without a centre (a platform administrator, whose every read is audited as such)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Patient, Protocol
from tests.personas import PASSWORD, patient_body, report_body
from tests.web import conftest as web_fixtures
from tests.web.conftest import csrf_from

_per_request_g = web_fixtures._per_request_g  # autouse: each request its own `g`, as in production


@pytest.fixture
def browser_of(app):
    """A browser signed in as `user` through the sign-in form."""

    def sign_in(user):
        browser = app.test_client()
        token = csrf_from(browser.get("/sign-in").get_data(as_text=True))
        response = browser.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302
        return browser

    return sign_in


@pytest.fixture
def centres(make_center):
    return make_center("US", name="Alpha"), make_center("US", name="Beta")


def us_cd19() -> Protocol:
    return db.session.scalar(
        select(Protocol)
        .where(Protocol.family == "us-cd19", Protocol.center_id.is_(None))
        .order_by(Protocol.version.desc())
    )


def lower_fever(client, headers, **extra) -> dict:
    """A centre's version with a lower fever line (the safe direction), made its default."""
    base = us_cd19()
    content = {**copy.deepcopy(base.content), "thresholds": {"fever_c": 37.8}}
    created = client.post(
        "/api/v1/protocols",
        json={"base_id": base.id, "content": content, "make_default": True, **extra},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    return created.json


# ---- item 1: protocols per centre ------------------------------------------------------------


def test_a_centre_s_default_applies_to_that_centre_only(client, centres, make_staff, login):
    a, b = centres
    mine = lower_fever(client, login(make_staff("clinician", a)))
    assert (mine["center_id"], mine["is_default"]) == (a.id, True)
    at_a = client.post("/api/v1/patients", json=patient_body(a), headers=login(make_staff("nurse", a)))
    at_b = client.post("/api/v1/patients", json=patient_body(b), headers=login(make_staff("nurse", b)))
    assert at_a.json["protocol"]["id"] == mine["id"]
    assert at_b.json["protocol"]["id"] == us_cd19().id  # the shipped default, not centre A's choice
    template = db.session.get(Protocol, us_cd19().id)
    assert (template.is_default, template.superseded_by_id, template.center_id) == (True, None, None)


def test_a_centre_s_later_default_replaces_its_earlier_one(client, centres, make_staff, login):
    a, _b = centres
    clinician = login(make_staff("clinician", a))
    first = lower_fever(client, clinician)
    second = client.post(
        "/api/v1/protocols",
        json={"base_id": first["id"], "content": first["content"], "make_default": True},
        headers=clinician,
    ).json
    assert db.session.get(Protocol, first["id"]).is_default is False
    enrolled = client.post("/api/v1/patients", json=patient_body(a), headers=clinician)
    assert enrolled.json["protocol"]["id"] == second["id"]


def test_a_centre_chooses_its_default_and_may_go_back_to_the_shipped_one(client, centres, make_staff, login):
    a, _b = centres
    clinician = login(make_staff("clinician", a))
    mine = lower_fever(client, clinician)
    unset = client.put(f"/api/v1/protocols/{mine['id']}/default", json={"is_default": False}, headers=clinician)
    assert unset.status_code == 200 and unset.json["is_default"] is False
    enrolled = client.post("/api/v1/patients", json=patient_body(a), headers=clinician)
    assert enrolled.json["protocol"]["id"] == us_cd19().id
    again = client.put(f"/api/v1/protocols/{mine['id']}/default", json={"is_default": True}, headers=clinician)
    assert again.status_code == 200
    assert client.post("/api/v1/patients", json=patient_body(a), headers=clinician).json["protocol"]["id"] == mine["id"]
    template = client.put(f"/api/v1/protocols/{us_cd19().id}/default", json={"is_default": False}, headers=clinician)
    assert template.status_code == 409 and template.json["error"]["code"] == "template_read_only"
    assert db.session.get(Protocol, us_cd19().id).is_default is True


def test_a_patient_is_put_only_on_a_template_or_a_version_of_their_centre(
    client, centres, make_staff, login, make_patient
):
    a, b = centres
    theirs = lower_fever(client, login(make_staff("clinician", a)))
    nurse_b = login(make_staff("nurse", b))
    patients = db.session.scalar(select(func.count()).select_from(Patient))
    refused = client.post("/api/v1/patients", json=patient_body(b, protocol_id=theirs["id"]), headers=nurse_b)
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["protocol_id"]
    assert refused.json["error"]["fields"]["protocol_id"] == ["No such protocol."]  # as if it did not exist
    assert db.session.scalar(select(func.count()).select_from(Patient)) == patients
    patient = make_patient(b)
    before = patient.patient.protocol_id
    moved = client.patch(f"/api/v1/patients/{patient.id}", json={"protocol_id": theirs["id"]}, headers=nurse_b)
    assert moved.status_code == 422 and list(moved.json["error"]["fields"]) == ["protocol_id"]
    db.session.expire_all()
    assert db.session.get(Patient, patient.id).protocol_id == before
    ok = client.patch(f"/api/v1/patients/{patient.id}", json={"protocol_id": us_cd19().id}, headers=nurse_b)
    assert ok.status_code == 200


def test_another_centre_s_version_answers_404_on_the_api_and_the_pages(
    client, app, centres, make_staff, login, browser_of, frozen_clock
):
    a, b = centres
    theirs = lower_fever(client, login(make_staff("clinician", a)))
    clinician_b = make_staff("clinician", b)
    headers = login(clinician_b)
    window = {"since": (frozen_clock.now - timedelta(days=1)).isoformat(), "until": frozen_clock.now.isoformat()}
    assert client.get(f"/api/v1/protocols/{theirs['id']}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/protocols/{theirs['id']}/dry-run", json=window, headers=headers).status_code == 404
    derived = client.post(
        "/api/v1/protocols", json={"base_id": theirs["id"], "content": theirs["content"]}, headers=headers
    )
    assert derived.status_code == 404
    assert theirs["id"] not in {p["id"] for p in client.get("/api/v1/protocols", headers=headers).json}
    browser = browser_of(clinician_b)
    assert browser.get(f"/protocols/{theirs['id']}").status_code == 404
    assert browser.get(f"/protocols/{theirs['id']}/new-version").status_code == 404
    # The template stays current for centre B: its form is not redirected to centre A's version.
    assert browser.get(f"/protocols/{us_cd19().id}/new-version").status_code == 200


def test_a_platform_admin_names_the_centre_a_version_is_for(client, centres, make_staff, login):
    a, _b = centres
    admin = login(make_staff("admin", None))
    base = us_cd19()
    body = {"base_id": base.id, "content": copy.deepcopy(base.content)}
    unnamed = client.post("/api/v1/protocols", json=body, headers=admin)
    assert unnamed.status_code == 422 and list(unnamed.json["error"]["fields"]) == ["center_id"]
    named = client.post("/api/v1/protocols", json={**body, "center_id": a.id}, headers=admin)
    assert named.status_code == 201 and named.json["center_id"] == a.id
    centre_admin = login(make_staff("admin", a))
    elsewhere = client.post("/api/v1/protocols", json={**body, "center_id": _b.id}, headers=centre_admin)
    assert elsewhere.status_code == 422 and list(elsewhere.json["error"]["fields"]) == ["center_id"]


def test_a_new_family_name_used_by_another_centre_is_not_revealed(client, centres, make_staff, login):
    a, b = centres
    base = us_cd19()
    body = {
        "family": "night-watch",
        "jurisdiction": "US",
        "products": ["yescarta"],
        "content": copy.deepcopy(base.content),
    }
    assert client.post("/api/v1/protocols", json=body, headers=login(make_staff("clinician", a))).status_code == 201
    clinician_b = login(make_staff("clinician", b))
    assert client.post("/api/v1/protocols", json=body, headers=clinician_b).status_code == 201
    assert client.post("/api/v1/protocols", json=body, headers=clinician_b).status_code == 409  # its own


# ---- item 2: centre admin against platform admin ------------------------------------------


def test_a_centre_admin_sees_only_their_centre(client, centres, make_staff, login, make_patient):
    a, b = centres
    mine, theirs = make_patient(a), make_patient(b)
    admin = login(make_staff("admin", a))
    assert [c["id"] for c in client.get("/api/v1/centers", headers=admin).json] == [a.id]
    assert [p["id"] for p in client.get("/api/v1/patients", headers=admin).json] == [mine.id]
    assert client.get(f"/api/v1/patients/{theirs.id}", headers=admin).status_code == 404
    assert client.get(f"/api/v1/centers/{b.id}/on-call", headers=admin).status_code == 404
    assert (
        client.post(
            "/api/v1/centers",
            json={"name": "New", "timezone": "UTC", "jurisdiction": "US", "phone": "+13125550100"},
            headers=admin,
        ).status_code
        == 403
    )
    events = client.get("/api/v1/audit", headers=admin).json
    assert events and all(e["patient_id"] in (None, mine.id) for e in events)
    assert client.get(f"/api/v1/audit?patient_id={theirs.id}", headers=admin).status_code == 404


def test_a_platform_admin_sees_every_centre_and_each_read_is_audited_as_such(
    client, app, centres, make_staff, login, make_patient, browser_of
):
    a, b = centres
    patients = [make_patient(a), make_patient(b)]
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patients[1].headers)
    user = make_staff("admin", None)
    admin = login(user)
    assert {c["id"] for c in client.get("/api/v1/centers", headers=admin).json} == {a.id, b.id}
    assert {p["id"] for p in client.get("/api/v1/patients", headers=admin).json} == {p.id for p in patients}
    assert client.get(f"/api/v1/centers/{b.id}/escalation-policy", headers=admin).status_code == 200
    browser = browser_of(user)
    assert browser.get(f"/patients/{patients[1].id}").status_code == 200
    reads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "platform_admin.read").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_type, e.actor_id) for e in reads] == [("staff", user.id)] * 4
    assert [e.details["path"] for e in reads] == [
        "/api/v1/centers",
        "/api/v1/patients",
        f"/api/v1/centers/{b.id}/escalation-policy",
        f"/patients/{patients[1].id}",
    ]
    # A centre's own staff reading their own centre leave no platform reads.
    client.get("/api/v1/patients", headers=login(make_staff("admin", a)))
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "platform_admin.read")
        )
        == 4
    )


def test_users_create_says_which_kind_of_admin_it_made(app, centres):
    a, _b = centres
    runner = app.test_cli_runner()
    centre = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "ca@example.org",
            "--password",
            "long-enough-pw",
            "--role",
            "admin",
            "--center",
            str(a.id),
        ]
    )
    platform = runner.invoke(
        args=["users", "create", "--email", "pa@example.org", "--password", "long-enough-pw", "--role", "admin"]
    )
    assert centre.exit_code == 0 and f"admin of centre {a.id}" in centre.output
    assert platform.exit_code == 0 and "platform administrator (every centre)" in platform.output


def test_the_web_sign_in_of_a_centre_admin_does_not_reach_another_centre(
    client, app, centres, make_staff, make_patient, browser_of
):
    a, b = centres
    theirs = make_patient(b)
    browser = browser_of(make_staff("admin", a))
    assert browser.get(f"/patients/{theirs.id}").status_code == 404
    assert f"/patients/{theirs.id}" not in browser.get("/patients").get_data(as_text=True)
    assert csrf_from(browser.get("/").get_data(as_text=True))
