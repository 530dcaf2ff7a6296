"""Revocation. A used new enrollment code revokes the patient's earlier tokens;
a deactivated staff member's tokens, web sessions and SMS ACK stop, and they leave every roster,
the centre's admins warned when a roster becomes empty."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, EscalationPolicy, Notification, OnCallShift, StaffUser
from tests.paging import conftest as paging_fixtures
from tests.personas import PASSWORD, report_body
from tests.web import conftest as web_fixtures
from tests.web.conftest import csrf_from

_per_request_g = web_fixtures._per_request_g  # autouse: each request its own `g`, as in production
twilio_app, twilio_webhook = paging_fixtures.twilio_app, paging_fixtures.signed_post  # the real Twilio path


def test_a_used_new_enrollment_code_revokes_every_earlier_token(client, make_center, make_staff, make_patient, login):
    centre = make_center()
    patient = make_patient(centre)  # the lost phone
    nurse = login(make_staff("nurse", centre))
    code = client.post(f"/api/v1/patients/{patient.id}/enrollment-code", headers=nurse).json["enrollment_code"]
    assert client.get("/api/v1/me", headers=patient.headers).status_code == 200  # until the new code is used
    new = client.post("/api/v1/auth/enroll", json={"code": code})
    assert new.status_code == 200
    assert client.get("/api/v1/me", headers=patient.headers).status_code == 401
    assert (
        client.post(
            "/api/v1/me/reports", json=report_body(vitals={"heart_rate": 80}), headers=patient.headers
        ).status_code
        == 401
    )
    fresh = {"Authorization": f"Bearer {new.json['access_token']}"}
    assert client.get("/api/v1/me", headers=fresh).status_code == 200


@pytest.fixture
def centre_with_team(make_center, make_staff, on_call, login, client):
    centre = make_center()
    admin = make_staff("admin", centre, phone="+16175550301")
    nurse = on_call(centre, make_staff("nurse", centre, phone="+16175550302"))
    clinician = make_staff("clinician", centre, phone="+16175550303")
    chain = {
        "steps": [
            {"notify": ["on_call"], "wait_minutes": 10},
            {"notify": [nurse.id], "wait_minutes": 10},
            {"notify": [nurse.id, clinician.id], "wait_minutes": 10},
        ],
        "repeat": 0,
    }
    put = client.put(
        f"/api/v1/centers/{centre.id}/escalation-policy",
        json={"urgent": chain, "emergency": chain},
        headers=login(admin),
    )
    assert put.status_code == 200
    return {"centre": centre, "admin": admin, "nurse": nurse, "clinician": clinician}


def _browser(app, user):
    browser = app.test_client()
    token = csrf_from(browser.get("/sign-in").get_data(as_text=True))
    assert (
        browser.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    return browser


def test_deactivating_stops_tokens_sessions_and_sms_ack_and_empties_rosters_with_a_warning(
    app, client, login, centre_with_team, make_patient, twilio_webhook, frozen_clock
):
    team = centre_with_team
    patient = make_patient(team["centre"])
    opened = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patient.headers
    )
    alert_id = opened.json["alert"]["id"]
    waiting = db.session.scalars(select(Notification).where(Notification.staff_id == team["nurse"].id)).all()
    assert waiting and {n.state for n in waiting} == {"pending"}  # the on-call nurse's page, not sent yet
    token = login(team["nurse"])
    browser = _browser(app, team["nurse"])
    assert browser.get("/").status_code == 200

    response = client.post(f"/api/v1/staff/{team['nurse'].id}/deactivate", headers=login(team["admin"]))
    assert response.status_code == 200, response.json
    assert (response.json["active"], len(response.json["warnings"])) == (False, 2)

    assert client.get("/api/v1/alerts", headers=token).status_code == 401
    assert "/sign-in" in browser.get("/").headers["Location"]
    assert (
        client.post("/api/v1/auth/login", json={"email": team["nurse"].email, "password": PASSWORD}).status_code == 401
    )
    code = db.session.get(Alert, alert_id).ack_code
    reply = twilio_webhook("/webhooks/twilio/inbound", {"From": team["nurse"].phone, "Body": f"ACK {code}"})
    assert "not registered" in reply.get_data(as_text=True)
    assert db.session.get(Alert, alert_id).status == "open"

    db.session.expire_all()
    assert {db.session.get(Notification, n.id).state for n in waiting} == {"cancelled"}
    assert not db.session.scalars(
        select(OnCallShift).where(OnCallShift.staff_id == team["nurse"].id, OnCallShift.ends_at.is_(None))
    ).all()
    steps = db.session.scalar(select(EscalationPolicy)).content["urgent"]["steps"]
    assert [s["notify"] for s in steps] == [["on_call"], ["admins"], [team["clinician"].id]]
    warnings = db.session.scalars(select(Notification).where(Notification.purpose == "roster_warning")).all()
    assert {w.to_phone for w in warnings} == {team["admin"].phone}
    assert {("on-call" in w.body, "escalation" in w.body) for w in warnings} == {(True, False), (False, True)}
    assert all("WARNING" in w.body for w in warnings)


def test_only_the_centre_s_admins_or_a_platform_admin_deactivate(
    client, login, centre_with_team, make_center, make_staff
):
    team = centre_with_team
    nurse_id = team["nurse"].id
    other_admin = login(make_staff("admin", make_center()))
    assert client.post(f"/api/v1/staff/{nurse_id}/deactivate", headers=other_admin).status_code == 404
    assert client.post(f"/api/v1/staff/{nurse_id}/deactivate", headers=login(team["clinician"])).status_code == 403
    admin = login(team["admin"])
    assert client.post(f"/api/v1/staff/{team['admin'].id}/deactivate", headers=admin).status_code == 409
    platform = login(make_staff("admin", None))
    assert client.post(f"/api/v1/staff/{nurse_id}/deactivate", headers=platform).status_code == 200
    again = client.post(f"/api/v1/staff/{nurse_id}/deactivate", headers=admin)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_inactive"


def test_users_deactivate_on_the_command_line(app, client, login, centre_with_team):
    team = centre_with_team
    token = login(team["clinician"])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "deactivate", "--email", team["clinician"].email.upper()])
    assert result.exit_code == 0, result.output
    assert "deactivated clinician" in result.output and "warning:" not in result.output  # step 3 keeps the nurse
    assert client.get("/api/v1/alerts", headers=token).status_code == 401
    assert db.session.get(StaffUser, team["clinician"].id).deactivated_at is not None
    assert runner.invoke(args=["users", "deactivate", "--email", team["clinician"].email]).exit_code != 0
    assert runner.invoke(args=["users", "deactivate", "--email", "nobody@example.org"]).exit_code != 0
