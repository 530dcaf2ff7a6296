"""Protocols as versioned data: list, view, new versions with every problem named, dry-run."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, Notification, Protocol, Report
from tests.personas import report_body


@pytest.fixture
def center(make_center):
    return make_center("US")


@pytest.fixture
def clinician(make_staff, center, login):
    return login(make_staff("clinician", center))


def us_cd19() -> Protocol:
    return db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19"))


def test_the_shipped_defaults_are_listed(client, clinician):
    families = {p["family"] for p in client.get("/api/v1/protocols", headers=clinician).json}
    assert {"us-cd19", "us-abecma", "us-carvykti", "us-aucatzyl", "eu-default", "uk-default"} <= families


def test_a_new_version_is_validated_and_every_problem_named(client, clinician):
    base = us_cd19()
    content = copy.deepcopy(base.content)
    content["phases"][1]["from_day"] = 9  # a gap after day 7
    content["phases"][0]["times"] = ["25:00"]
    content["thresholds"] = {"fever_c": 45.5, "nonsense": 1}
    response = client.post("/api/v1/protocols", json={"base_id": base.id, "content": content}, headers=clinician)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert {"content.phases.1.from_day", "content.thresholds.fever_c", "content.thresholds.nonsense"} <= set(fields)
    assert any(k.startswith("content.phases.0.times") for k in fields)
    assert db.session.scalar(select(func.count()).select_from(Protocol).where(Protocol.family == "us-cd19")) == 1


def test_a_new_version_never_edits_the_old_one(client, clinician):
    base = us_cd19()
    before = copy.deepcopy(base.content)
    content = {**copy.deepcopy(base.content), "thresholds": {"fever_c": 37.5}}
    created = client.post(
        "/api/v1/protocols", json={"base_id": base.id, "content": content, "name": "Low fever"}, headers=clinician
    )
    assert created.status_code == 201
    assert (created.json["family"], created.json["version"], created.json["is_default"]) == ("us-cd19", 2, False)
    db.session.refresh(base)
    # A shipped template is never superseded by one centre's version (it stays current
    # for every other centre); the centre's own version is superseded by its next one.
    assert base.content == before and base.superseded_by_id is None
    again = client.post(
        "/api/v1/protocols", json={"base_id": created.json["id"], "content": content}, headers=clinician
    )
    assert again.status_code == 201
    assert db.session.get(Protocol, created.json["id"]).superseded_by_id == again.json["id"]


def test_a_new_patient_gets_the_protocol_named_at_enrollment_or_a_422_that_names_it(client, clinician, center):
    from app.models import Patient
    from tests.personas import patient_body

    base = us_cd19()
    content = {**copy.deepcopy(base.content), "thresholds": {"fever_c": 37.5}}
    v2 = client.post(
        "/api/v1/protocols", json={"base_id": base.id, "content": content, "name": "Low fever"}, headers=clinician
    ).json
    named = client.post("/api/v1/patients", json=patient_body(center, protocol_id=v2["id"]), headers=clinician)
    assert named.status_code == 201, named.json
    assert (named.json["protocol"]["id"], named.json["protocol"]["version"]) == (v2["id"], 2)
    unnamed = client.post("/api/v1/patients", json=patient_body(center), headers=clinician)
    assert unnamed.json["protocol"]["id"] == base.id  # a new version is not the default until made so

    patients = db.session.scalar(select(func.count()).select_from(Patient))
    uk = db.session.scalar(select(Protocol).where(Protocol.family == "uk-default"))
    for protocol_id in (uk.id, 999_999):
        refused = client.post("/api/v1/patients", json=patient_body(center, protocol_id=protocol_id), headers=clinician)
        assert refused.status_code == 422
        assert list(refused.json["error"]["fields"]) == ["protocol_id"]
    assert db.session.scalar(select(func.count()).select_from(Patient)) == patients


def test_nurses_and_patients_cannot_create_protocols(client, login, make_staff, center, make_patient):
    body = {"base_id": us_cd19().id, "content": us_cd19().content}
    assert client.post("/api/v1/protocols", json=body, headers=login(make_staff("nurse", center))).status_code == 403
    assert client.post("/api/v1/protocols", json=body, headers=make_patient(center).headers).status_code == 403


def test_dry_run_with_a_lower_fever_threshold_finds_more_urgent_alerts_and_changes_nothing(
    client, clinician, make_patient, center, on_call, frozen_clock
):
    on_call(center)
    patients = [make_patient(center) for _ in range(3)]
    for patient, temperature in zip(patients, (37.6, 37.8, 38.4), strict=True):
        client.post(
            "/api/v1/me/reports", json=report_body(vitals={"temperature_c": temperature}), headers=patient.headers
        )
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Report, Alert, Notification)]
    base = us_cd19()
    lowered = {**copy.deepcopy(base.content), "thresholds": {"fever_c": 37.5}}
    window = {
        "since": (frozen_clock.now - timedelta(days=1)).isoformat(),
        "until": (frozen_clock.now + timedelta(minutes=1)).isoformat(),
    }
    result = client.post(f"/api/v1/protocols/{base.id}/dry-run", json={"content": lowered, **window}, headers=clinician)
    assert result.status_code == 200, result.json
    urgent = result.json["per_level"]["urgent"]
    assert (urgent["raised"], urgent["would_raise"]) == (1, 3)
    assert result.json["pages"]["would_raise"] > result.json["pages"]["raised"]
    assert {e["was"] for e in result.json["examples"]} == {"routine"}
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Report, Alert, Notification)] == counts
    same = client.post(f"/api/v1/protocols/{base.id}/dry-run", json=window, headers=clinician).json
    assert same["per_level"]["urgent"]["difference"] == 0


def test_dry_run_can_replay_one_patient_and_refuses_bad_periods(
    client, clinician, make_patient, center, frozen_clock, make_center, make_staff, login
):
    patient = make_patient(center)
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.2}), headers=patient.headers)
    base = us_cd19()
    window = {
        "since": (frozen_clock.now - timedelta(days=1)).isoformat(),
        "until": (frozen_clock.now + timedelta(minutes=1)).isoformat(),
    }
    mine = client.post(
        f"/api/v1/protocols/{base.id}/dry-run", json={"patient_id": patient.id, **window}, headers=clinician
    )
    assert mine.json["reports"] == 1
    other = login(make_staff("clinician", make_center()))
    assert (
        client.post(
            f"/api/v1/protocols/{base.id}/dry-run", json={"patient_id": patient.id, **window}, headers=other
        ).status_code
        == 404
    )
    backwards = client.post(
        f"/api/v1/protocols/{base.id}/dry-run",
        json={"since": window["until"], "until": window["since"]},
        headers=clinician,
    )
    assert backwards.status_code == 422 and "until" in backwards.json["error"]["fields"]
