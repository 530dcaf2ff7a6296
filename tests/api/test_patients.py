"""Enrolling patients: validation, restriction dates, centre scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import EnrollmentCode, Patient
from tests.personas import patient_body


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "not a phone"),
        ("phone", "+1 555 0100"),
        ("product", "unknown-car-t"),
        ("infused_at", "FUTURE"),
        ("zzz_unknown", 1),
        ("language", "fr"),
        ("timezone", "Mars/Olympus"),
        ("caregiver_phone", "12"),
        ("center_id", 2**40),
        ("infused_at", "2026-11-20T10:00:00"),  # no time zone
    ],
)
def test_bad_patient_fields_are_named_and_nothing_is_stored(
    client, login, make_center, make_staff, frozen_clock, field, value
):
    center = make_center()
    if value == "FUTURE":
        value = (frozen_clock.now + timedelta(days=1, minutes=1)).isoformat()
    before = (_count(Patient), _count(EnrollmentCode))
    response = client.post(
        "/api/v1/patients", json=patient_body(center, **{field: value}), headers=login(make_staff("nurse", center))
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["fields"]
    assert (_count(Patient), _count(EnrollmentCode)) == before


def test_every_bad_field_is_named_at_once(client, login, make_center, make_staff):
    center = make_center()
    body = patient_body(center, phone="x", product="y", zzz=1)
    del body["mrn"]
    response = client.post("/api/v1/patients", json=body, headers=login(make_staff("nurse", center)))
    assert set(response.json["error"]["fields"]) == {"phone", "product", "zzz", "mrn"}


def test_infusion_up_to_a_day_ahead_is_accepted(client, login, make_center, make_staff, frozen_clock):
    center = make_center()
    body = patient_body(center, infused_at=(frozen_clock.now + timedelta(hours=23)).isoformat())
    assert client.post("/api/v1/patients", json=body, headers=login(make_staff("nurse", center))).status_code == 201


def test_create_returns_code_protocol_and_us_restriction_dates(client, login, make_center, make_staff):
    center = make_center("US", "America/New_York")
    infused = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 10:30 in New York, day 0 = 20 Nov
    body = patient_body(center, product="yescarta", infused_at=infused.isoformat())
    response = client.post("/api/v1/patients", json=body, headers=login(make_staff("clinician", center)))
    assert response.status_code == 201
    data = response.json
    assert data["enrollment_code"]
    assert data["protocol"]["family"] == "us-cd19"
    assert data["stay_near_center_until"] == "2026-12-04"  # R18: 14 days (US labels)
    assert data["no_driving_until"] == "2026-12-04"
    # Monitoring covers day 0..14 in local time: it ends at midnight starting 5 Dec in New York.
    assert data["monitoring_ends_at"] == "2026-12-05T05:00:00+00:00"
    assert data["timezone"] == "America/New_York"
    assert data["day_after_infusion"] == 2


def test_uk_restriction_dates_are_28_and_56_days(client, login, make_center, make_staff):
    center = make_center("UK", "Europe/London")
    infused = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    body = patient_body(center, product="yescarta", infused_at=infused.isoformat())
    data = client.post("/api/v1/patients", json=body, headers=login(make_staff("nurse", center))).json
    assert data["protocol"]["family"] == "uk-default"
    assert data["stay_near_center_until"] == "2026-12-18"  # + 28 days (R18: EU SmPCs)
    assert data["no_driving_until"] == "2027-01-15"  # + 56 days


def test_aucatzyl_keeps_its_longer_restrictions_in_the_us(client, login, make_center, make_staff):
    center = make_center("US")
    infused = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    body = patient_body(center, product="aucatzyl", infused_at=infused.isoformat())
    data = client.post("/api/v1/patients", json=body, headers=login(make_staff("nurse", center))).json
    assert (data["stay_near_center_until"], data["no_driving_until"]) == ("2026-12-18", "2027-01-15")


def test_the_local_infusion_day_counts_not_the_utc_day(client, login, make_center, make_staff):
    center = make_center("US", "America/Los_Angeles")
    infused = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 22:00 on 19 Nov in Los Angeles
    data = client.post(
        "/api/v1/patients",
        json=patient_body(center, infused_at=infused.isoformat()),
        headers=login(make_staff("nurse", center)),
    ).json
    assert data["stay_near_center_until"] == "2026-12-03"


def test_duplicate_mrn_in_one_centre_is_409_and_allowed_in_another(client, login, make_center, make_staff):
    first, second = make_center(), make_center()
    body = patient_body(first, mrn="SAME-1")
    assert client.post("/api/v1/patients", json=body, headers=login(make_staff("nurse", first))).status_code == 201
    again = client.post("/api/v1/patients", json=body, headers=login(make_staff("nurse", first)))
    assert again.status_code == 409
    assert "mrn" in again.json["error"]["fields"]
    other = patient_body(second, mrn="SAME-1")
    assert client.post("/api/v1/patients", json=other, headers=login(make_staff("nurse", second))).status_code == 201


def test_staff_cannot_enroll_into_another_centre(client, login, make_center, make_staff):
    mine, theirs = make_center(), make_center()
    response = client.post("/api/v1/patients", json=patient_body(theirs), headers=login(make_staff("nurse", mine)))
    assert response.status_code == 422
    assert "center_id" in response.json["error"]["fields"]
    assert _count(Patient) == 0


def test_staff_of_another_centre_get_404_for_a_patient(client, login, make_center, make_staff, make_patient):
    patient = make_patient(make_center())
    stranger = login(make_staff("clinician", make_center()))
    assert client.get(f"/api/v1/patients/{patient.id}", headers=stranger).status_code == 404
    assert (
        client.patch(f"/api/v1/patients/{patient.id}", json={"status": "withdrawn"}, headers=stranger).status_code
        == 404
    )
    assert client.get("/api/v1/patients", headers=stranger).json == []


def test_platform_admins_see_every_centre_and_centre_admins_only_theirs(
    client, login, make_center, make_staff, make_patient
):
    # An admin with a centre is that centre's admin only.
    patient = make_patient(make_center())
    centre_admin = login(make_staff("admin", make_center()))
    platform_admin = login(make_staff("admin", None))
    assert client.get(f"/api/v1/patients/{patient.id}", headers=centre_admin).status_code == 404
    assert client.get(f"/api/v1/patients/{patient.id}", headers=platform_admin).status_code == 200


def test_a_patient_token_is_403_on_staff_endpoints(client, make_center, make_patient):
    patient = make_patient(make_center())
    assert client.get("/api/v1/patients", headers=patient.headers).status_code == 403
    assert client.get(f"/api/v1/patients/{patient.id}", headers=patient.headers).status_code == 403
    assert client.get("/api/v1/centers", headers=patient.headers).status_code == 403


def test_me_shows_only_the_patient_itself(client, make_center, make_patient):
    center = make_center()
    a, b = make_patient(center), make_patient(center)
    me = client.get("/api/v1/me", headers=a.headers)
    assert me.status_code == 200
    assert me.json["id"] == a.id != b.id
    assert me.json["care_team_phone"] == "+16175550100"
    assert me.json["stay_near_center_until"]


def test_staff_token_is_403_on_me(client, login, make_center, make_staff):
    assert client.get("/api/v1/me", headers=login(make_staff("nurse", make_center()))).status_code == 403


def test_patch_changes_status_and_audits_it(client, login, make_center, make_staff, make_patient):
    center = make_center()
    patient = make_patient(center)
    response = client.patch(
        f"/api/v1/patients/{patient.id}", json={"status": "completed"}, headers=login(make_staff("clinician", center))
    )
    assert response.status_code == 200
    assert response.json["status"] == "completed"


def test_patch_refuses_a_protocol_for_another_jurisdiction(client, login, make_center, make_staff, make_patient):
    from app.models import Protocol

    center = make_center("US")
    patient = make_patient(center)
    uk = db.session.scalar(select(Protocol).where(Protocol.family == "uk-default"))
    response = client.patch(
        f"/api/v1/patients/{patient.id}", json={"protocol_id": uk.id}, headers=login(make_staff("clinician", center))
    )
    assert response.status_code == 422
    assert "protocol_id" in response.json["error"]["fields"]


def test_withdrawn_patients_tokens_stop_working(client, login, make_center, make_staff, make_patient):
    center = make_center()
    patient = make_patient(center)
    client.patch(
        f"/api/v1/patients/{patient.id}", json={"status": "withdrawn"}, headers=login(make_staff("nurse", center))
    )
    assert client.get("/api/v1/me", headers=patient.headers).status_code == 401


def test_admins_can_filter_patients_by_centre_in_the_query(client, login, make_center, make_staff, make_patient):
    first, second = make_center(), make_center()
    make_patient(first)
    wanted = make_patient(second)
    admin = login(make_staff("admin", None))
    listed = client.get(f"/api/v1/patients?center_id={second.id}", headers=admin)
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json] == [wanted.id]
