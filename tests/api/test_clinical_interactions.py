"""The two halves of the work together, as a clinical reviewer posts them. A late report
(L1) with "can't measure" answers (R12), the R12 gap of a late report, and the new neuro items
(headache, the side of a weak limb, trouble understanding, hallucinations) inside a check-in whose
vitals could not be measured (docs/clinical-rules.md L1, R9, R11, R12)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, Report
from tests.personas import report_body


@pytest.fixture
def center(make_center):
    return make_center("US")


@pytest.fixture
def patient(make_patient, center, on_call):
    on_call(center)
    return make_patient(center)


def post(client, patient, recorded_at=None, **blocks) -> dict:
    response = client.post("/api/v1/me/reports", json=report_body(recorded_at, **blocks), headers=patient.headers)
    assert response.status_code == 201, response.json
    return response.json


def rules(answer: dict) -> dict[str, str]:
    return {f["rule"]: f["level"] for f in answer["assessment"]["findings"]}


ALL_VITALS = ["temperature", "heart_rate", "blood_pressure", "spo2", "respiratory_rate", "weight"]


@pytest.mark.parametrize(
    ("late", "level", "stale"),
    [
        (timedelta(hours=24), "emergency", False),
        (timedelta(hours=24, minutes=1), "urgent", True),
    ],
)
def test_a_late_seizure_with_every_vital_answered_cant_measure(client, patient, frozen_clock, late, level, stale):
    answer = post(client, patient, frozen_clock.now - late, neuro={"seizure": True}, not_measured=ALL_VITALS)
    assert answer["assessment"]["level"] == level
    assert answer["assessment"]["late"]["stale"] is stale
    assert rules(answer)["R11_severe_neuro"] == level
    stored = (
        db.session.scalar(select(Report).where(Report.id == answer["report_id"]))
        if "report_id" in answer
        else db.session.scalars(select(Report)).one()
    )
    assert sorted(stored.not_measured) == sorted(ALL_VITALS)


@pytest.mark.parametrize(("minutes_at_the_server", "fires"), [(8 * 60, False), (8 * 60 + 1, True)])
def test_the_r12_gap_of_a_late_report_runs_to_the_servers_receipt_time(
    client, patient, frozen_clock, minutes_at_the_server, fires
):
    """Recorded 6 h 30 min (6 h 31 min) after the last temperature by the phone's clock, received
    90 min later: by the time anyone could act, the patient has gone 8 h (8 h 1 min) without one."""
    post(client, patient, vitals={"temperature_f": 98.2})
    frozen_clock.advance(minutes=minutes_at_the_server)
    answer = post(
        client, patient, frozen_clock.now - timedelta(minutes=90), not_measured=["temperature"], symptoms={"nausea": 1}
    )
    found = rules(answer).get("R12_vitals_not_measured")
    assert (found == "same_day") is fires
    if fires:
        assert answer["alert"]["level"] == "same_day"
        summary = next(f["summary"] for f in answer["assessment"]["findings"] if f["rule"] == "R12_vitals_not_measured")
        assert "can't measure" in summary and "last one 8 h 1 min ago" in summary
        assert "(recorded 1 h 30 min before it was received)" in summary


def test_a_temperature_given_after_a_late_report_was_recorded_counts_for_its_r12_gap(client, patient, frozen_clock):
    """A report recorded 20 h ago reaches us now; temperatures were given since. The gap is measured
    from the latest of them (4 h ago), not from the one before the late report was recorded."""
    post(client, patient, frozen_clock.now - timedelta(hours=30), vitals={"temperature_c": 36.8})
    post(client, patient, frozen_clock.now - timedelta(hours=4), vitals={"temperature_c": 36.9})
    answer = post(
        client, patient, frozen_clock.now - timedelta(hours=20), not_measured=["temperature"], symptoms={"nausea": 1}
    )
    assert "R12_vitals_not_measured" not in rules(answer)


@pytest.mark.parametrize(
    ("blocks", "rule", "level"),
    [
        ({"symptoms": {"headache": 3}}, "R9_neuro_change", "urgent"),
        ({"symptoms": {"headache": 2}}, "R12_vitals_not_measured", "same_day"),  # not severe: R12 alone
        ({"neuro": {"limb_numbness_or_weakness": True}}, "R9_neuro_change", "urgent"),  # side not known
        (
            {"neuro": {"limb_numbness_or_weakness": True, "limb_weakness_one_side": True}},
            "R11_severe_neuro",
            "emergency",
        ),
        ({"neuro": {"speech_understanding_difficulty": True}}, "R9_neuro_change", "urgent"),
        ({"neuro": {"hallucinations": True}}, "R9_neuro_change", "urgent"),
    ],
)
def test_neuro_signs_inside_a_check_in_whose_vitals_could_not_be_measured(
    client, patient, frozen_clock, blocks, rule, level
):
    post(client, patient, vitals={"temperature_c": 36.9})
    frozen_clock.advance(hours=9)
    answer = post(client, patient, not_measured=ALL_VITALS, **blocks)
    found = rules(answer)
    assert answer["assessment"]["level"] == level and found[rule] == level
    # R12 is graded beside the sign, never instead of it.
    assert found["R12_vitals_not_measured"] == "same_day"
    assert answer["alert"]["level"] == level
    if level in ("urgent", "emergency"):  # a same-day alert pages in daytime hours only
        pages = db.session.scalars(
            select(Notification).where(Notification.alert_id == answer["alert"]["id"], Notification.purpose == "page")
        ).all()
        assert pages and all(p.body.startswith(f"VIGIL {level.upper()}") for p in pages)
