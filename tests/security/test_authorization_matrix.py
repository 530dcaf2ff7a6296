"""Every API endpoint × every kind of caller, with the expected outcome in one table.

It includes the admin of another centre (`admin_y`), a platform administrator (an admin without
a centre), a deactivated staff member whose token was issued before deactivation, and a second
table for the protocol endpoints on a version that belongs to centre X (the first table uses a
shipped template, which every centre shares).

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
from app.models import Alert, OnCallShift, Protocol, StaffUser
from app.services.deactivation import deactivate
from app.services.tokens import issue_token
from tests.personas import bearer, patient_body, report_body
from tests.support.routes import routes

ACTORS = (
    "anonymous",
    "patient_a",
    "patient_b",
    "nurse_x",
    "clinician_x",
    "admin_x",
    "staff_y",
    "admin_y",
    "platform_admin",
    "deactivated",
    "revoked",
    "expired",
)


def row(
    anonymous=401,
    patient_a=403,
    patient_b=403,
    nurse_x=200,
    clinician_x=200,
    admin_x=200,
    staff_y=404,
    admin_y=404,
    platform_admin=200,
    deactivated=401,
    revoked=401,
    expired=401,
) -> dict[str, int]:
    """Defaults describe a staff endpoint scoped to centre X; name only what differs."""
    return dict(
        anonymous=anonymous,
        patient_a=patient_a,
        patient_b=patient_b,
        nurse_x=nurse_x,
        clinician_x=clinician_x,
        admin_x=admin_x,
        staff_y=staff_y,
        admin_y=admin_y,
        platform_admin=platform_admin,
        deactivated=deactivated,
        revoked=revoked,
        expired=expired,
    )


def public(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


PATIENT_SELF = row(
    patient_a=200,
    patient_b=200,
    nurse_x=403,
    clinician_x=403,
    admin_x=403,
    staff_y=403,
    admin_y=403,
    platform_admin=403,
)
STAFF_LIST = row(staff_y=200, admin_y=200)  # lists are filtered to the caller's centre, not refused

TABLE: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/api/v1/auth/login"): public(422),  # public; an empty body is refused whoever calls
    ("POST", "/api/v1/auth/enroll"): public(422),
    ("POST", "/api/v1/auth/logout"): row(patient_a=200, patient_b=200, staff_y=200, admin_y=200),
    ("GET", "/api/v1/openapi.json"): public(200),
    ("GET", "/api/v1/docs"): public(200),
    ("GET", "/api/v1/docs/assets/<path:filename>"): public(200),
    ("GET", "/api/v1/centers"): STAFF_LIST,
    # Only a platform administrator creates centres: a centre's admin could not see it.
    ("POST", "/api/v1/centers"): row(
        nurse_x=403, clinician_x=403, admin_x=403, staff_y=403, admin_y=403, platform_admin=201
    ),
    ("GET", "/api/v1/centers/<center_id>"): row(),
    ("PATCH", "/api/v1/centers/<center_id>"): row(nurse_x=403, clinician_x=403, staff_y=403),  # admins only
    ("GET", "/api/v1/centers/<center_id>/escalation-policy"): row(),
    ("PUT", "/api/v1/centers/<center_id>/escalation-policy"): row(nurse_x=403, staff_y=403),
    ("GET", "/api/v1/centers/<center_id>/on-call"): row(),
    ("PUT", "/api/v1/centers/<center_id>/on-call"): row(clinician_x=403, staff_y=404),
    ("GET", "/api/v1/patients"): STAFF_LIST,
    ("POST", "/api/v1/patients"): row(
        nurse_x=201, clinician_x=201, admin_x=403, staff_y=422, admin_y=403, platform_admin=403
    ),
    ("GET", "/api/v1/patients/<patient_id>"): row(),
    ("PATCH", "/api/v1/patients/<patient_id>"): row(),
    ("GET", "/api/v1/patients/<patient_id>/alerts"): row(),
    ("GET", "/api/v1/patients/<patient_id>/check-ins"): row(),
    ("POST", "/api/v1/patients/<patient_id>/enrollment-code"): row(
        nurse_x=201, clinician_x=201, admin_x=403, admin_y=403, platform_admin=403
    ),
    ("GET", "/api/v1/patients/<patient_id>/fhir"): row(),
    ("GET", "/api/v1/patients/<patient_id>/reports"): row(),
    ("POST", "/api/v1/patients/<patient_id>/reports"): row(
        nurse_x=201, clinician_x=201, admin_x=201, platform_admin=201
    ),
    ("GET", "/api/v1/me"): PATIENT_SELF,
    ("GET", "/api/v1/me/check-ins"): PATIENT_SELF,
    ("PUT", "/api/v1/me/device"): PATIENT_SELF,
    ("DELETE", "/api/v1/me/device"): row(
        patient_a=204,
        patient_b=204,
        nurse_x=403,
        clinician_x=403,
        admin_x=403,
        staff_y=403,
        admin_y=403,
        platform_admin=403,
    ),
    ("GET", "/api/v1/me/reports"): PATIENT_SELF,
    ("POST", "/api/v1/me/reports"): row(
        patient_a=201,
        patient_b=201,
        nurse_x=403,
        clinician_x=403,
        admin_x=403,
        staff_y=403,
        admin_y=403,
        platform_admin=403,
    ),
    ("GET", "/api/v1/alerts"): STAFF_LIST,
    ("GET", "/api/v1/alerts/<alert_id>"): row(),
    ("POST", "/api/v1/alerts/<alert_id>/ack"): row(),
    ("POST", "/api/v1/alerts/<alert_id>/resolve"): row(),
    ("GET", "/api/v1/alerts/<alert_id>/handoff"): row(),
    ("GET", "/api/v1/protocols"): STAFF_LIST,
    # From a shipped template: a version for the caller's own centre; a platform administrator has
    # none and must name one (422, the field named).
    ("POST", "/api/v1/protocols"): row(
        nurse_x=403, clinician_x=201, admin_x=201, staff_y=403, admin_y=201, platform_admin=422
    ),
    ("GET", "/api/v1/protocols/<protocol_id>"): STAFF_LIST,  # a template: every centre's
    ("PUT", "/api/v1/protocols/<protocol_id>/default"): row(
        nurse_x=403, clinician_x=409, admin_x=409, staff_y=403, admin_y=409, platform_admin=409
    ),  # read-only
    ("POST", "/api/v1/protocols/<protocol_id>/dry-run"): row(
        nurse_x=403, staff_y=403, admin_y=200, platform_admin=422
    ),  # whose reports? name center_id
    ("GET", "/api/v1/audit"): row(nurse_x=403, clinician_x=403, staff_y=403, admin_y=200),  # filtered per centre
    ("POST", "/api/v1/staff/<staff_id>/deactivate"): row(nurse_x=403, clinician_x=403, staff_y=403),
}

# The protocol endpoints again, on a version centre X made: centre Y's staff and admin get 404.
CENTRE_PROTOCOL_TABLE: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/protocols/<protocol_id>"): row(),
    ("PUT", "/api/v1/protocols/<protocol_id>/default"): row(nurse_x=403, staff_y=403),
    ("POST", "/api/v1/protocols"): row(nurse_x=403, clinician_x=201, admin_x=201, staff_y=403, platform_admin=201),
    ("POST", "/api/v1/protocols/<protocol_id>/dry-run"): row(nurse_x=403, staff_y=403, platform_admin=422),
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
    staff = {
        "nurse_x": make_staff("nurse", x),
        "clinician_x": make_staff("clinician", x),
        "admin_x": make_staff("admin", x),
        "staff_y": make_staff("nurse", y),
        "admin_y": make_staff("admin", y),
        "platform_admin": make_staff("admin", None),
        "deactivated": make_staff("clinician", x),
    }
    db.session.add(OnCallShift(center_id=x.id, staff_id=staff["nurse_x"].id, starts_at=frozen_clock.now))
    db.session.commit()
    a, b = make_patient(x), make_patient(x)
    opened = client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=a.headers)
    headers = {name: login(user) for name, user in staff.items()}
    headers |= {"anonymous": {}, "patient_a": a.headers, "patient_b": b.headers}
    deactivate(staff["deactivated"], frozen_clock.now)  # after signing in: the token it holds must die
    db.session.commit()
    revoked = login(staff["nurse_x"])
    client.post("/api/v1/auth/logout", headers=revoked)
    raw, _token = issue_token(staff_id=staff["nurse_x"].id, lifetime=timedelta(seconds=-1))
    db.session.commit()
    headers |= {"revoked": revoked, "expired": bearer(raw)}
    protocol = db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19"))
    own = client.post(
        "/api/v1/protocols",
        json={"base_id": protocol.id, "content": copy.deepcopy(protocol.content)},
        headers=headers["clinician_x"],
    )
    assert own.status_code == 201
    target = make_staff("nurse", x)  # each deactivation caller gets its own colleague to deactivate
    return World(
        headers,
        {
            "center_id": x.id,
            "patient_id": a.id,
            "alert_id": opened.json["alert"]["id"],
            "protocol_id": protocol.id,
            "staff_x": staff["nurse_x"].id,
            "centre_protocol_id": own.json["id"],
            "staff_id": target.id,
        },
    )


def _request(
    world: World, method: str, path: str, frozen_clock, *, protocol_key: str = "protocol_id"
) -> tuple[str, dict | None]:
    url = path.replace("<path:filename>", "swagger-ui.css")
    ids = {**world.ids, "protocol_id": world.ids[protocol_key]}
    for key in ("center_id", "patient_id", "alert_id", "protocol_id", "staff_id"):
        url = url.replace(f"<{key}>", str(ids[key]))
    protocol = db.session.get(Protocol, ids["protocol_id"])
    window = {
        "since": (frozen_clock.now - timedelta(days=1)).isoformat(),
        "until": (frozen_clock.now + timedelta(minutes=1)).isoformat(),
    }
    chain = {"steps": [{"notify": ["on_call"], "wait_minutes": 10}], "repeat": 0}
    bodies = {
        ("POST", "/api/v1/centers"): {
            "name": "New",
            "timezone": "America/Chicago",
            "jurisdiction": "US",
            "phone": "+13125550100",
        },
        ("PATCH", "/api/v1/centers/<center_id>"): {
            "phone": "+16175550111",
            "mrn_system": "urn:oid:2.16.840.1.113883.3.4711",
        },
        ("PUT", "/api/v1/centers/<center_id>/escalation-policy"): {"urgent": chain, "emergency": chain},
        ("PUT", "/api/v1/centers/<center_id>/on-call"): {"staff_ids": [world.ids["staff_x"]]},
        ("POST", "/api/v1/patients"): patient_body(type("C", (), {"id": world.ids["center_id"]})()),
        ("PATCH", "/api/v1/patients/<patient_id>"): {"language": "es"},
        ("POST", "/api/v1/patients/<patient_id>/reports"): report_body(vitals={"heart_rate": 80}),
        ("POST", "/api/v1/me/reports"): report_body(vitals={"heart_rate": 80}),
        ("PUT", "/api/v1/me/device"): {"platform": "android", "token": "fcm-token-" + "x" * 40, "app_version": "1.4.0"},
        ("POST", "/api/v1/alerts/<alert_id>/resolve"): {"disposition": "advice_given"},
        ("POST", "/api/v1/protocols"): {"base_id": protocol.id, "content": copy.deepcopy(protocol.content)},
        ("POST", "/api/v1/protocols/<protocol_id>/dry-run"): window,
        ("PUT", "/api/v1/protocols/<protocol_id>/default"): {"is_default": True},
        ("POST", "/api/v1/auth/login"): {},
        ("POST", "/api/v1/auth/enroll"): {},
    }
    return url, bodies.get((method, path), None if method == "GET" else {})


@pytest.mark.parametrize(("method", "path"), sorted(TABLE))
def test_each_actor_gets_the_expected_outcome(client, world, frozen_clock, method, path):
    assert _outcomes(client, world, frozen_clock, method, path) == TABLE[(method, path)]


@pytest.mark.parametrize(("method", "path"), sorted(CENTRE_PROTOCOL_TABLE))
def test_a_centre_s_protocol_is_that_centre_s_alone(client, world, frozen_clock, method, path):
    outcomes = _outcomes(client, world, frozen_clock, method, path, protocol_key="centre_protocol_id")
    assert outcomes == CENTRE_PROTOCOL_TABLE[(method, path)]


def test_lists_show_a_centre_s_protocol_to_that_centre_only(client, world):
    own = world.ids["centre_protocol_id"]
    seen = {
        actor: own in {p["id"] for p in client.get("/api/v1/protocols", headers=world.headers[actor]).json}
        for actor in ("nurse_x", "admin_x", "staff_y", "admin_y", "platform_admin")
    }
    assert seen == {"nurse_x": True, "admin_x": True, "staff_y": False, "admin_y": False, "platform_admin": True}


def _outcomes(client, world, frozen_clock, method, path, **kwargs) -> dict[str, int]:
    outcomes = {}
    for actor in ACTORS:
        if path.endswith("/deactivate"):
            _reactivate(world)
        url, body = _request(world, method, path, frozen_clock, **kwargs)
        if isinstance(body, dict) and "client_id" in body:
            body = {**body, "client_id": str(uuid.uuid4())}  # each caller sends its own report
        if method == "POST" and path == "/api/v1/patients" and body:
            body = {**body, "mrn": f"MRN-{uuid.uuid4().hex[:8]}"}
        response = client.open(url, method=method, json=body, headers=world.headers[actor])
        outcomes[actor] = response.status_code
        if path.endswith("/resolve") and response.status_code == 200:
            _reopen(world)
    return outcomes


def _reactivate(world: World) -> None:
    """Deactivating is done once; give every caller an active colleague to try it on."""
    target = db.session.get(StaffUser, world.ids["staff_id"])
    target.active, target.deactivated_at = True, None
    db.session.commit()


def _reopen(world: World) -> None:
    """Resolving closes the alert; put it back so the next caller meets the same state."""
    alert = db.session.get(Alert, world.ids["alert_id"])
    alert.status, alert.resolved_at, alert.disposition = "open", None, None
    db.session.commit()
