"""Settings only make Vigil more careful, through the API.

Parametrized over THRESHOLD_SPECS, so a threshold added later is covered without editing
this file: every VERIFIED one (and every other one with a safe direction) pushed one step past
its shipped figure on the unsafe side is refused with a 422 naming it and the reference figure,
on POST /protocols and on dry-run; one step on the careful side is accepted.
"""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Protocol
from app.rules import THRESHOLD_SPECS
from app.rules.safety import SAFE_DIRECTIONS

VERIFIED = sorted(k for k, s in THRESHOLD_SPECS.items() if s.tag == "VERIFIED")
DIRECTED = sorted(SAFE_DIRECTIONS)


def step(name: str) -> float:
    spec = THRESHOLD_SPECS[name]
    if spec.integer:
        return 1
    return 0.01 if spec.unit == "fraction" else 0.1


def moved(name: str, careful: bool) -> float:
    """The shipped figure one step to the careful (or unsafe) side."""
    spec, way = THRESHOLD_SPECS[name], SAFE_DIRECTIONS[name].may
    sign = -1 if way == "lower" else 1
    value = spec.default + (sign if careful else -sign) * step(name)
    return value if spec.integer else round(value, 2)


@pytest.fixture
def center(make_center):
    return make_center("US")


@pytest.fixture
def clinician(make_staff, center, login):
    return login(make_staff("clinician", center))


def us_cd19() -> Protocol:
    return db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19", Protocol.version == 1))


def _versions() -> int:
    return db.session.scalar(select(func.count()).select_from(Protocol).where(Protocol.family == "us-cd19"))


def _window(now) -> dict:
    return {"since": (now - timedelta(days=1)).isoformat(), "until": (now + timedelta(minutes=1)).isoformat()}


def test_every_verified_threshold_has_a_safe_direction():
    assert VERIFIED and set(VERIFIED) <= set(SAFE_DIRECTIONS)


@pytest.mark.parametrize("name", DIRECTED)
def test_one_step_to_the_unsafe_side_is_refused_on_create_and_on_dry_run(client, clinician, frozen_clock, name):
    base = us_cd19()
    value = moved(name, careful=False)
    content = {**copy.deepcopy(base.content), "thresholds": {name: value}}
    created = client.post("/api/v1/protocols", json={"base_id": base.id, "content": content}, headers=clinician)
    assert created.status_code == 422, created.json
    fields = created.json["error"]["fields"]
    assert list(fields) == [f"content.thresholds.{name}"]
    message = fields[f"content.thresholds.{name}"][0]
    shipped = THRESHOLD_SPECS[name].default
    assert name in message and f"reference figure {shipped} " in message and "more careful" in message
    assert _versions() == 1

    dry = client.post(
        f"/api/v1/protocols/{base.id}/dry-run",
        json={"content": content, **_window(frozen_clock.now)},
        headers=clinician,
    )
    assert dry.status_code == 422, dry.json
    assert list(dry.json["error"]["fields"]) == [f"content.thresholds.{name}"]
    assert f"reference figure {shipped} " in dry.json["error"]["fields"][f"content.thresholds.{name}"][0]


@pytest.mark.parametrize("name", DIRECTED)
def test_the_shipped_figure_and_one_careful_step_are_accepted(client, clinician, frozen_clock, name):
    spec = THRESHOLD_SPECS[name]
    base = us_cd19()
    values = [spec.default]
    careful = moved(name, careful=True)
    if spec.minimum <= careful <= spec.maximum:
        values.append(careful)
    for value in values:
        content = {**copy.deepcopy(base.content), "thresholds": {name: value}}
        dry = client.post(
            f"/api/v1/protocols/{base.id}/dry-run",
            json={"content": content, **_window(frozen_clock.now)},
            headers=clinician,
        )
        assert dry.status_code == 200, (value, dry.json)
    content = {**copy.deepcopy(base.content), "thresholds": {name: values[-1]}}
    created = client.post("/api/v1/protocols", json={"base_id": base.id, "content": content}, headers=clinician)
    assert created.status_code == 201, created.json
    assert created.json["content"]["thresholds"] == {name: values[-1]}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fever_c", 39.5),
        ("hypoxia_spo2", 85),
        ("severe_hypoxia_spo2", 85),
        ("hypotension_sbp", 60),
        ("severe_hypotension_sbp", 60),
        ("tachycardia_severe_hr", 200),
        ("ice_urgent_at_or_below", 7),
        ("ice_emergency_at_or_below", 2),
    ],
)
def test_the_values_the_issue_names_are_refused(client, clinician, name, value):
    base = us_cd19()
    content = {**copy.deepcopy(base.content), "thresholds": {name: value}}
    created = client.post("/api/v1/protocols", json={"base_id": base.id, "content": content}, headers=clinician)
    assert created.status_code == 422
    assert "less careful than the reference figure" in created.json["error"]["fields"][f"content.thresholds.{name}"][0]


def test_a_dry_run_of_a_stored_unsafe_version_is_refused(client, clinician, frozen_clock):
    # A version stored before the safe directions existed (written straight to the table).
    base = us_cd19()
    legacy = Protocol(
        family="us-cd19",
        version=2,
        name="legacy",
        jurisdiction="US",
        products=base.products,
        content={**copy.deepcopy(base.content), "thresholds": {"fever_c": 39.5}},
        created_at=frozen_clock.now,
        is_default=False,
    )
    db.session.add(legacy)
    db.session.commit()
    dry = client.post(f"/api/v1/protocols/{legacy.id}/dry-run", json=_window(frozen_clock.now), headers=clinician)
    assert dry.status_code == 422
    assert "reference figure 38.0 °C" in dry.json["error"]["fields"]["content.thresholds.fever_c"][0]


def test_a_patient_on_a_stored_unsafe_version_is_graded_at_the_safe_value(
    client, clinician, center, make_patient, frozen_clock, on_call
):
    from tests.personas import report_body

    on_call(center)
    base = us_cd19()
    legacy = Protocol(
        family="us-cd19",
        version=2,
        name="legacy",
        jurisdiction="US",
        products=base.products,
        content={**copy.deepcopy(base.content), "thresholds": {"fever_c": 39.5, "hypoxia_spo2": 85}},
        created_at=frozen_clock.now,
        is_default=False,
    )
    db.session.add(legacy)
    db.session.commit()
    patient = make_patient(center)
    patient.patient.protocol_id = legacy.id
    db.session.commit()
    for vitals in ({"temperature_c": 38.0}, {"spo2": 91}):
        response = client.post("/api/v1/me/reports", json=report_body(vitals=vitals), headers=patient.headers)
        assert response.status_code == 201, response.json
        assert response.json["assessment"]["level"] == "urgent", (vitals, response.json)


@pytest.mark.parametrize(
    ("family", "phase", "level", "ok"),
    [
        ("us-cd19", 0, "same_day", False),  # days 0–7: urgent in every US protocol
        ("us-cd19", 1, "same_day", False),  # days 8–14
        ("us-cd19", 1, "emergency", True),  # raising is allowed
        ("us-cd19", 2, "routine", False),  # days 15–30: same_day is the US floor
        ("us-cd19", 2, "same_day", True),
        ("us-cd19", 3, "routine", True),
        ("eu-default", 2, "same_day", False),  # days 15–28: the EU/UK acute window is 28 days
        ("eu-default", 2, "urgent", True),
    ],
)
def test_a_missed_check_in_level_may_be_raised_never_lowered(client, clinician, family, phase, level, ok):
    base = db.session.scalar(select(Protocol).where(Protocol.family == family, Protocol.version == 1))
    content = copy.deepcopy(base.content)
    content["phases"][phase]["missed_level"] = level
    created = client.post("/api/v1/protocols", json={"base_id": base.id, "content": content}, headers=clinician)
    if ok:
        assert created.status_code == 201, created.json
    else:
        assert created.status_code == 422
        messages = created.json["error"]["fields"][f"content.phases.{phase}.missed_level"]
        assert "never lower it" in messages[0]


@pytest.mark.parametrize("name", DIRECTED)
def test_the_careful_end_of_each_range_is_accepted_and_one_step_past_it_refused(client, clinician, frozen_clock, name):
    """The other side of every range: as careful as a clinician could defend is accepted; one step
    further (a fever line at 37.4 °C, an ICE emergency band that takes in a normal score) is
    refused as implausible, by name, on create and on dry-run."""
    spec, way = THRESHOLD_SPECS[name], SAFE_DIRECTIONS[name].may
    base = us_cd19()
    edge = spec.minimum if way == "lower" else spec.maximum
    past = edge - step(name) if way == "lower" else edge + step(name)
    edge, past = (int(edge), int(past)) if spec.integer else (round(edge, 2), round(past, 2))
    # A severe line must not pass its partner (SBP 80 below 90, SpO2 90 below 92): move the partner too.
    partner = {"severe_hypotension_sbp": "hypotension_sbp", "severe_hypoxia_spo2": "hypoxia_spo2"}.get(name)
    pair = {partner: int(THRESHOLD_SPECS[partner].maximum)} if partner else {}
    accepted = {**copy.deepcopy(base.content), "thresholds": {name: edge, **pair}}
    dry = client.post(
        f"/api/v1/protocols/{base.id}/dry-run",
        json={"content": accepted, **_window(frozen_clock.now)},
        headers=clinician,
    )
    assert dry.status_code == 200, (edge, dry.json)
    refused = {**copy.deepcopy(base.content), "thresholds": {name: past, **pair}}
    created = client.post("/api/v1/protocols", json={"base_id": base.id, "content": refused}, headers=clinician)
    assert created.status_code == 422, (past, created.json)
    assert f"content.thresholds.{name}" in created.json["error"]["fields"]
    dry = client.post(
        f"/api/v1/protocols/{base.id}/dry-run",
        json={"content": refused, **_window(frozen_clock.now)},
        headers=clinician,
    )
    assert dry.status_code == 422 and f"content.thresholds.{name}" in dry.json["error"]["fields"]
    assert _versions() == 1
