"""Every API endpoint × every kind of caller, with the expected outcome in one table (issue 8).

Adding an endpoint without a row here fails `test_every_endpoint_is_in_the_table`.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, OnCallShift, Protocol
from app.services.tokens import issue_token
from tests.personas import bearer, patient_body, report_body
from tests.support.routes import routes

ACTORS = ("anonymous", "patient_a", "patient_b", "nurse_x", "clinician_x", "admin_x", "staff_y", "revoked", "expired")


def row(anonymous=401, patient_a=403, patient_b=403, nurse_x=200, clinician_x=200, admin_x=200, staff_y=404,
        revoked=401, expired=401) -> dict[str, int]:
    """Defaults describe a staff endpoint scoped to centre X; name only what differs."""
    return dict(anonymous=anonymous, patient_a=patient_a, patient_b=patient_b, nurse_x=nurse_x,
                clinician_x=clinician_x, admin_x=admin_x, staff_y=staff_y, revoked=revoked, expired=expired)


def public(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


PATIENT_SELF = row(patient_a=200, patient_b=200, nurse_x=403, clinician_x=403, admin_x=403, staff_y=403)
STAFF_LIST = row(staff_y=200)  # lists are filtered to the caller's centre, not refused

TABLE: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/api/v1/auth/login"): public(422),  # public; an empty body is refused whoever calls
    ("POST", "/api/v1/auth/enroll"): public(422),
    ("POST", "/api/v1/auth/logout"): row(patient_a=200, patient_b=200, staff_y=200),
    ("GET", "/api/v1/openapi.json"): public(200),
    ("GET", "/api/v1/docs"): public(200),
    ("GET", "/api/v1/docs/assets/<path:filename>"): public(200),
    ("GET", "/api/v1/centers"): STAFF_LIST,
    ("POST", "/api/v1/centers"): row(nurse_x=403, clinician_x=403, admin_x=201, staff_y=403),
    ("GET", "/api/v1/centers/<center_id>"): row(),
    ("PATCH", "/api/v1/centers/<center_id>"): row(nurse_x=403, clinician_x=403, staff_y=403),
    ("GET", "/api/v1/centers/<center_id>/escalation-policy"): row(),
    ("PUT", "/api/v1/centers/<center_id>/escalation-policy"): row(nurse_x=403, staff_y=403),
    ("GET", "/api/v1/centers/<center_id>/on-call"): row(),
    ("PUT", "/api/v1/centers/<center_id>/on-call"): row(clinician_x=403, staff_y=404),
    ("GET", "/api/v1/patients"): STAFF_LIST,
    ("POST", "/api/v1/patients"): row(nurse_x=201, clinician_x=201, admin_x=403, staff_y=422),
    ("GET", "/api/v1/patients/<patient_id>"): row(),
    ("PATCH", "/api/v1/patients/<patient_id>"): row(),
    ("GET", "/api/v1/patients/<patient_id>/alerts"): row(),
    ("GET", "/api/v1/patients/<patient_id>/check-ins"): row(),
    ("POST", "/api/v1/patients/<patient_id>/enrollment-code"): row(nurse_x=201, clinician_x=201, admin_x=403),
    ("GET", "/api/v1/patients/<patient_id>/fhir"): row(),
    ("GET", "/api/v1/patients/<patient_id>/reports"): row(),
    ("POST", "/api/v1/patients/<patient_id>/reports"): row(nurse_x=201, clinician_x=201, admin_x=201),
    ("GET", "/api/v1/me"): PATIENT_SELF,
    ("GET", "/api/v1/me/check-ins"): PATIENT_SELF,
    ("GET", "/api/v1/me/reports"): PATIENT_SELF,
    ("POST", "/api/v1/me/reports"): row(patient_a=201, patient_b=201, nurse_x=403, clinician_x=403, admin_x=403,
                                        staff_y=403),
    ("GET", "/api/v1/alerts"): STAFF_LIST,
    ("GET", "/api/v1/alerts/<alert_id>"): row(),
    ("POST", "/api/v1/alerts/<alert_id>/ack"): row(),
    ("POST", "/api/v1/alerts/<alert_id>/resolve"): row(),
    ("GET", "/api/v1/alerts/<alert_id>/handoff"): row(),
    ("GET", "/api/v1/protocols"): STAFF_LIST,
    ("POST", "/api/v1/protocols"): row(nurse_x=403, clinician_x=201, admin_x=201, staff_y=403),
    ("GET", "/api/v1/protocols/<protocol_id>"): STAFF_LIST,
    ("POST", "/api/v1/protocols/<protocol_id>/dry-run"): row(nurse_x=403, staff_y=403),
    ("GET", "/api/v1/audit"): row(nurse_x=403, clinician_x=403, staff_y=403),
}


def test_every_endpoint_is_in_the_table(app):
    api = routes(app, lambda path: path.startswith("/api/"))
    assert api == set(TABLE), "add new endpoints to TABLE with their expected outcomes"


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    ids: dict[str, int]


@pytest.fixture
def world(client, make_center, make_staff, make_patient, login, frozen_clock) -> World:
    x, y = make_center("US"), make_center("US")
    staff = {"nurse_x": make_staff("nurse", x), "clinician_x": make_staff("clinician", x),
             "admin_x": make_staff("admin", x), "staff_y": make_staff("nurse", y)}
    db.session.add(OnCallShift(center_id=x.id, staff_id=staff["nurse_x"].id, starts_at=frozen_clock.now))
    db.session.commit()
    a, b = make_patient(x), make_patient(x)
    opened = client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=a.headers)
    headers = {name: login(user) for name, user in staff.items()}
    headers |= {"anonymous": {}, "patient_a": a.headers, "patient_b": b.headers}
    revoked = login(staff["nurse_x"])
    client.post("/api/v1/auth/logout", headers=revoked)
    raw, _token = issue_token(staff_id=staff["nurse_x"].id, lifetime=timedelta(seconds=-1))
    db.session.commit()
    headers |= {"revoked": revoked, "expired": bearer(raw)}
    protocol = db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19"))
    return World(headers, {"center_id": x.id, "patient_id": a.id, "alert_id": opened.json["alert"]["id"],
                           "protocol_id": protocol.id, "staff_x": staff["nurse_x"].id})


def _request(world: World, method: str, path: str, frozen_clock) -> tuple[str, dict | None]:
    url = path.replace("<path:filename>", "swagger-ui.css")
    for key in ("center_id", "patient_id", "alert_id", "protocol_id"):
        url = url.replace(f"<{key}>", str(world.ids[key]))
    protocol = db.session.get(Protocol, world.ids["protocol_id"])
    window = {"since": (frozen_clock.now - timedelta(days=1)).isoformat(),
              "until": (frozen_clock.now + timedelta(minutes=1)).isoformat()}
    chain = {"steps": [{"notify": ["on_call"], "wait_minutes": 10}], "repeat": 0}
    bodies = {
        ("POST", "/api/v1/centers"): {"name": "New", "timezone": "America/Chicago", "jurisdiction": "US",
                                      "phone": "+13125550100"},
        ("PATCH", "/api/v1/centers/<center_id>"): {"phone": "+16175550111"},
        ("PUT", "/api/v1/centers/<center_id>/escalation-policy"): {"urgent": chain, "emergency": chain},
        ("PUT", "/api/v1/centers/<center_id>/on-call"): {"staff_ids": [world.ids["staff_x"]]},
        ("POST", "/api/v1/patients"): patient_body(type("C", (), {"id": world.ids["center_id"]})()),
        ("PATCH", "/api/v1/patients/<patient_id>"): {"language": "es"},
        ("POST", "/api/v1/patients/<patient_id>/reports"): report_body(vitals={"heart_rate": 80}),
        ("POST", "/api/v1/me/reports"): report_body(vitals={"heart_rate": 80}),
        ("POST", "/api/v1/alerts/<alert_id>/resolve"): {"disposition": "advice_given"},
        ("POST", "/api/v1/protocols"): {"base_id": protocol.id, "content": copy.deepcopy(protocol.content)},
        ("POST", "/api/v1/protocols/<protocol_id>/dry-run"): window,
        ("POST", "/api/v1/auth/login"): {},
        ("POST", "/api/v1/auth/enroll"): {},
    }
    return url, bodies.get((method, path), None if method == "GET" else {})


@pytest.mark.parametrize(("method", "path"), sorted(TABLE))
def test_each_actor_gets_the_expected_outcome(client, world, frozen_clock, method, path):
    outcomes = {}
    for actor in ACTORS:
        url, body = _request(world, method, path, frozen_clock)
        if isinstance(body, dict) and "client_id" in body:
            body = {**body, "client_id": str(uuid.uuid4())}  # each caller sends its own report
        if method == "POST" and path == "/api/v1/patients" and body:
            body = {**body, "mrn": f"MRN-{uuid.uuid4().hex[:8]}"}
        response = client.open(url, method=method, json=body, headers=world.headers[actor])
        outcomes[actor] = response.status_code
        if path.endswith("/resolve") and response.status_code == 200:
            _reopen(world)
    assert outcomes == TABLE[(method, path)]


def _reopen(world: World) -> None:
    """Resolving closes the alert; put it back so the next caller meets the same state."""
    alert = db.session.get(Alert, world.ids["alert_id"])
    alert.status, alert.resolved_at, alert.disposition = "open", None, None
    db.session.commit()
