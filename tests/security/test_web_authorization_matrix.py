"""Every route outside the API (the care-team pages, the patient's check-in link, the Twilio
webhooks, static files) × every kind of caller, in one table (with
test_authorization_matrix.py for the API).

Pages use a session cookie, so the callers are browsers: nobody signed in, a patient's phone
presenting its API token (which the pages must ignore), staff of centre X by role, staff of
centre Y, and a browser whose session was signed out. Every form is sent with a CSRF token from
the caller's own session, so the outcome shows the access decision, not the CSRF check. Adding a
route without a row here fails `test_every_route_is_in_the_table`.

It includes centre Y's admin, a platform administrator (an admin without a centre), a browser
signed in by a staff member deactivated since, and a second table for the protocol pages of a
version that belongs to centre X.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, CheckIn, Protocol
from app.services.checkin_links import make_token
from app.services.deactivation import deactivate
from tests.personas import PASSWORD, report_body
from tests.support.routes import routes
from tests.web.conftest import CSRF_FIELD

ACTORS = (
    "anonymous",
    "patient_a",
    "nurse_x",
    "clinician_x",
    "admin_x",
    "staff_y",
    "admin_y",
    "platform_admin",
    "deactivated",
    "signed_out",
)


SIGN_IN = "sign-in"  # a redirect to the sign-in page; any other redirect is its status, 302


def page(
    anonymous=SIGN_IN,
    patient_a=SIGN_IN,
    nurse_x=200,
    clinician_x=200,
    admin_x=200,
    staff_y=404,
    admin_y=404,
    platform_admin=200,
    deactivated=SIGN_IN,
    signed_out=SIGN_IN,
) -> dict[str, int | str]:
    """Defaults describe a care-team page about centre X."""
    return dict(
        anonymous=anonymous,
        patient_a=patient_a,
        nurse_x=nurse_x,
        clinician_x=clinician_x,
        admin_x=admin_x,
        staff_y=staff_y,
        admin_y=admin_y,
        platform_admin=platform_admin,
        deactivated=deactivated,
        signed_out=signed_out,
    )


def everyone(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ACTORS, status)


SIGNED_IN_ONLY = page(staff_y=200, admin_y=200)  # lists and shared pages: filtered to the caller's centre
CLINICIANS = page(nurse_x=403, staff_y=403, admin_y=200)  # on a shipped template, which every centre shares

TABLE: dict[tuple[str, str], dict[str, int | str]] = {
    ("GET", "/"): SIGNED_IN_ONLY,
    ("GET", "/queue/rows"): page(
        anonymous=401, patient_a=401, staff_y=200, admin_y=200, deactivated=401, signed_out=401
    ),  # polled by script
    ("GET", "/alerts/<alert_id>"): page(),
    ("GET", "/alerts/<alert_id>/handoff"): page(),
    ("POST", "/alerts/<alert_id>/ack"): page(
        nurse_x=302, clinician_x=302, admin_x=302, platform_admin=302
    ),  # done: back to the queue
    ("POST", "/alerts/<alert_id>/resolve"): page(nurse_x=302, clinician_x=302, admin_x=302, platform_admin=302),
    ("GET", "/patients"): SIGNED_IN_ONLY,
    ("GET", "/patients/<patient_id>"): page(),
    ("GET", "/protocols"): SIGNED_IN_ONLY,
    ("GET", "/protocols/<protocol_id>"): SIGNED_IN_ONLY,  # shipped protocols are shared by every centre
    ("GET", "/protocols/<protocol_id>/new-version"): CLINICIANS,
    ("POST", "/protocols/<protocol_id>/new-version"): page(
        nurse_x=403, clinician_x=422, admin_x=422, staff_y=403, admin_y=422, platform_admin=422
    ),  # an empty form: every field named
    ("GET", "/sign-in"): page(
        anonymous=200,
        patient_a=200,
        nurse_x=302,
        clinician_x=302,
        admin_x=302,
        staff_y=302,
        admin_y=302,
        platform_admin=302,
        deactivated=200,
        signed_out=200,
    ),  # signed-in staff go straight to the queue
    ("POST", "/sign-in"): everyone(400),  # no credentials: the form again, with the problem named
    ("POST", "/sign-out"): everyone(SIGN_IN),
    # The check-in link is its own credential (signed, expires with its window): whoever holds it.
    ("GET", "/c/<token>"): everyone(200),
    ("POST", "/c/<token>"): everyone(422),  # an empty answer: the page again, every field named
    # Twilio's webhooks answer only Twilio's signature; a cookie or a token changes nothing.
    ("POST", "/webhooks/twilio/inbound"): everyone(403),
    ("POST", "/webhooks/twilio/status"): everyone(403),
    ("POST", "/webhooks/twilio/voice/gather"): everyone(403),  # Calls of pages
    ("POST", "/webhooks/twilio/voice/status"): everyone(403),
    ("GET", "/web/static/<path:filename>"): everyone(200),
    # Vigil's local FHIR CodeSystem at its canonical URL: terminology, no health data.
    ("GET", "/fhir/CodeSystem/vigil"): everyone(200),
}

# The protocol pages again, on a version centre X made: centre Y's staff and admin get 404.
CENTRE_PROTOCOL_TABLE: dict[tuple[str, str], dict[str, int | str]] = {
    ("GET", "/protocols/<protocol_id>"): page(),
    ("GET", "/protocols/<protocol_id>/new-version"): page(nurse_x=403, staff_y=403),
    ("POST", "/protocols/<protocol_id>/new-version"): page(
        nurse_x=403, clinician_x=422, admin_x=422, staff_y=403, platform_admin=422
    ),
}


def test_every_route_is_in_the_table(app):
    outside_api = routes(app, lambda path: not path.startswith("/api/"))
    assert outside_api == set(TABLE), "add new routes to TABLE with their expected outcomes"


@dataclass
class World:
    browsers: dict[str, FlaskClient]
    headers: dict[str, dict[str, str]]
    ids: dict[str, int | str]


def _signed_in(app: Flask, user) -> FlaskClient:
    browser = app.test_client()
    token = CSRF_FIELD.search(browser.get("/sign-in").get_data(as_text=True)).group(1)
    response = browser.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return browser


@pytest.fixture
def world(app, client, make_center, make_staff, make_patient, on_call, login, frozen_clock) -> World:
    x, y = make_center("US"), make_center("US")
    staff = {
        "nurse_x": make_staff("nurse", x),
        "clinician_x": make_staff("clinician", x),
        "admin_x": make_staff("admin", x),
        "staff_y": make_staff("nurse", y),
        "admin_y": make_staff("admin", y),
        "platform_admin": make_staff("admin", None),
        "deactivated": make_staff("clinician", x),
    }
    on_call(x, staff["nurse_x"])
    a = make_patient(x)
    opened = client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=a.headers)
    check_in = db.session.scalar(select(CheckIn).where(CheckIn.patient_id == a.id).order_by(CheckIn.due_at))
    browsers = {name: _signed_in(app, user) for name, user in staff.items()}
    browsers |= {
        "anonymous": app.test_client(),
        "patient_a": app.test_client(),
        "signed_out": _signed_in(app, staff["nurse_x"]),
    }
    _post_form(browsers["signed_out"], "/sign-out", {})
    deactivate(staff["deactivated"], frozen_clock.now)  # after signing in: the session must die with it
    db.session.commit()
    headers = dict.fromkeys(ACTORS, {}) | {"patient_a": a.headers}
    protocol = db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19"))
    own = client.post(
        "/api/v1/protocols",
        json={"base_id": protocol.id, "content": protocol.content},
        headers=login(staff["clinician_x"]),
    )
    assert own.status_code == 201
    return World(
        browsers,
        headers,
        {
            "alert_id": opened.json["alert"]["id"],
            "patient_id": a.id,
            "protocol_id": protocol.id,
            "token": make_token(check_in),
            "centre_protocol_id": own.json["id"],
        },
    )


def _csrf(browser: FlaskClient) -> str | None:
    """A CSRF token from the caller's own session: the sign-in form, or the queue once signed in."""
    # The tests hold one app context open, so Flask-WTF's per-request cache of the token in `g`
    # would hand every caller the first caller's token; a browser never shares it.
    g.pop("csrf_token", None)
    g.pop("csrf_valid", None)
    for path in ("/sign-in", "/"):
        match = CSRF_FIELD.search(browser.get(path).get_data(as_text=True))
        if match:
            return match.group(1)
    return None


def _post_form(browser: FlaskClient, url: str, data: dict, headers: dict | None = None):
    return browser.post(url, data={**data, "csrf_token": _csrf(browser) or ""}, headers=headers or {})


FORMS = {
    "/alerts/<alert_id>/resolve": {"disposition": "advice_given", "note": ""},
}


@pytest.mark.parametrize(("method", "path"), sorted(TABLE))
def test_each_caller_gets_the_expected_outcome(world, method, path):
    assert _outcomes(world, method, path, world.ids) == TABLE[(method, path)]


@pytest.mark.parametrize(("method", "path"), sorted(CENTRE_PROTOCOL_TABLE))
def test_a_centre_s_protocol_pages_are_that_centre_s_alone(world, method, path):
    ids = {**world.ids, "protocol_id": world.ids["centre_protocol_id"]}
    assert _outcomes(world, method, path, ids) == CENTRE_PROTOCOL_TABLE[(method, path)]


def test_the_protocol_list_shows_a_centre_s_version_to_that_centre_only(world):
    link = f'href="/protocols/{world.ids["centre_protocol_id"]}"'
    seen = {
        actor: link in world.browsers[actor].get("/protocols").get_data(as_text=True)
        for actor in ("nurse_x", "admin_x", "staff_y", "admin_y", "platform_admin")
    }
    assert seen == {"nurse_x": True, "admin_x": True, "staff_y": False, "admin_y": False, "platform_admin": True}


def _outcomes(world: World, method: str, path: str, ids: dict) -> dict[str, int | str]:
    url = path.replace("<path:filename>", "vigil.css")
    for key, value in ids.items():
        url = url.replace(f"<{key}>", str(value))
    outcomes = {}
    for actor in ACTORS:
        browser, headers = world.browsers[actor], world.headers[actor]
        if method == "GET":
            response = browser.get(url, headers=headers)
        else:
            response = _post_form(browser, url, FORMS.get(path, {}), headers)
        location = response.headers.get("Location", "")
        outcomes[actor] = SIGN_IN if response.status_code == 302 and "/sign-in" in location else response.status_code
        _reopen(world)
    return outcomes


def _reopen(world: World) -> None:
    """Acknowledging or resolving changes the alert; put it back so every caller meets the same state."""
    alert = db.session.get(Alert, world.ids["alert_id"])
    db.session.refresh(alert)
    alert.status, alert.acknowledged_at, alert.acknowledged_by_id = "open", None, None
    alert.resolved_at, alert.resolved_by_id, alert.disposition = None, None, None
    db.session.commit()
