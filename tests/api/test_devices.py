"""PUT/DELETE /api/v1/me/device: the app registers where pushes reach it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Device
from app.services.devices import reachability

TOKEN = "fcm-token-" + "c" * 150
BODY = {"platform": "ios", "token": TOKEN, "app_version": "2.3.1"}


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def enrolled(make_patient, center):
    return make_patient(center)


def device(patient_id: int) -> Device | None:
    return db.session.scalar(select(Device).where(Device.patient_id == patient_id))


def test_the_app_registers_its_token_and_never_gets_it_back(client, enrolled):
    response = client.put("/api/v1/me/device", json=BODY, headers=enrolled.headers)
    assert response.status_code == 200
    assert set(response.json) == {"platform", "app_version", "registered_at"}
    assert (device(enrolled.id).platform, device(enrolled.id).token) == ("ios", TOKEN)
    assert reachability(enrolled.id)["reachable"] is True
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "device.register"))
    assert TOKEN not in str(audit.details)


def test_a_new_phone_replaces_the_old_one(client, enrolled):
    client.put("/api/v1/me/device", json=BODY, headers=enrolled.headers)
    client.put(
        "/api/v1/me/device", json={**BODY, "platform": "android", "token": "new-" + TOKEN}, headers=enrolled.headers
    )
    assert db.session.scalar(select(func.count()).select_from(Device)) == 1
    assert (device(enrolled.id).platform, device(enrolled.id).token) == ("android", "new-" + TOKEN)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "platform": "windows"}, "platform"),
        ({**BODY, "token": "short"}, "token"),
        ({**BODY, "token": "x" * 5000}, "token"),
        ({k: v for k, v in BODY.items() if k != "app_version"}, "app_version"),
        ({**BODY, "app_version": ""}, "app_version"),
        ({**BODY, "health": "fever"}, "health"),
    ],
)
def test_bad_registrations_are_refused_by_field_and_change_nothing(client, enrolled, body, field):
    client.put("/api/v1/me/device", json=BODY, headers=enrolled.headers)
    response = client.put("/api/v1/me/device", json=body, headers=enrolled.headers)
    assert response.status_code == 422 and field in response.json["error"]["fields"]
    assert device(enrolled.id).token == TOKEN


def test_sign_out_drops_the_device_and_repeating_is_harmless(client, enrolled):
    client.put("/api/v1/me/device", json=BODY, headers=enrolled.headers)
    assert client.delete("/api/v1/me/device", headers=enrolled.headers).status_code == 204
    assert client.delete("/api/v1/me/device", headers=enrolled.headers).status_code == 204
    assert device(enrolled.id) is None and reachability(enrolled.id) == {"reachable": False}


def test_revoking_the_patients_token_drops_the_device(client, enrolled):
    client.put("/api/v1/me/device", json=BODY, headers=enrolled.headers)
    assert client.post("/api/v1/auth/logout", headers=enrolled.headers).status_code == 200
    assert device(enrolled.id) is None


def test_re_enrollment_drops_the_old_phones_device(client, login, make_staff, center, enrolled):
    client.put("/api/v1/me/device", json=BODY, headers=enrolled.headers)
    nurse = login(make_staff("nurse", center))
    code = client.post(f"/api/v1/patients/{enrolled.id}/enrollment-code", headers=nurse).json["enrollment_code"]
    assert device(enrolled.id) is not None  # a code alone changes nothing: the phone may still be in use
    assert client.post("/api/v1/auth/enroll", json={"code": code}).status_code == 200
    assert device(enrolled.id) is None


def test_one_patient_cannot_touch_anothers_device(client, make_patient, center, enrolled):
    other = make_patient(center)
    client.put("/api/v1/me/device", json=BODY, headers=enrolled.headers)
    client.delete("/api/v1/me/device", headers=other.headers)
    assert device(enrolled.id) is not None
