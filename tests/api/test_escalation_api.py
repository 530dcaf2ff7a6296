"""PUT /centers/{id}/escalation-policy and /on-call."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.services.escalation import on_call_staff


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


def test_the_default_policy_is_on_call_then_clinicians_then_admins(client, login, make_staff, center):
    policy = client.get(f"/api/v1/centers/{center.id}/escalation-policy", headers=login(make_staff("nurse", center)))
    assert policy.json["source"] == "default policy"
    assert [s["notify"] for s in policy.json["policy"]["urgent"]["steps"]] == [["on_call"], ["clinicians"], ["admins"]]


def test_a_bad_policy_names_every_problem(client, login, make_staff, center):
    bad = {
        "urgent": {
            "steps": [{"notify": [], "wait_minutes": 0}, {"notify": ["everyone"], "wait_minutes": 10}],
            "repeat": -1,
        }
    }
    response = client.put(
        f"/api/v1/centers/{center.id}/escalation-policy", json=bad, headers=login(make_staff("clinician", center))
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) >= {
        "urgent.steps.0.notify",
        "urgent.steps.0.wait_minutes",
        "urgent.steps.1.notify.0",
        "urgent.repeat",
        "emergency",
    }


def test_a_policy_naming_another_centres_staff_is_refused(client, login, make_staff, center, make_center):
    outsider = make_staff("nurse", make_center())
    chain = {"steps": [{"notify": [outsider.id], "wait_minutes": 5}], "repeat": 0}
    response = client.put(
        f"/api/v1/centers/{center.id}/escalation-policy",
        json={"urgent": chain, "emergency": chain},
        headers=login(make_staff("admin", center)),
    )
    assert response.status_code == 422
    assert "steps.notify" in response.json["error"]["fields"]


def test_nurses_may_not_edit_the_policy_and_patients_not_the_roster(client, login, make_staff, center, make_patient):
    chain = {"steps": [{"notify": ["on_call"], "wait_minutes": 5}], "repeat": 0}
    nurse = login(make_staff("nurse", center))
    assert (
        client.put(
            f"/api/v1/centers/{center.id}/escalation-policy", json={"urgent": chain, "emergency": chain}, headers=nurse
        ).status_code
        == 403
    )
    patient = make_patient(center)
    assert (
        client.put(f"/api/v1/centers/{center.id}/on-call", json={"staff_ids": [1]}, headers=patient.headers).status_code
        == 403
    )


def test_on_call_from_now_replaces_whoever_was_on_call(client, login, make_staff, center, frozen_clock):
    first, second = make_staff("nurse", center), make_staff("nurse", center)
    headers = login(make_staff("admin", center))
    client.put(f"/api/v1/centers/{center.id}/on-call", json={"staff_ids": [first.id]}, headers=headers)
    assert [p.id for p in on_call_staff(center.id, frozen_clock.now)] == [first.id]
    frozen_clock.advance(hours=1)
    response = client.put(f"/api/v1/centers/{center.id}/on-call", json={"staff_ids": [second.id]}, headers=headers)
    assert response.json["on_call_now"] == [second.id]
    assert [p.id for p in on_call_staff(center.id, frozen_clock.now)] == [second.id]


def test_a_dated_roster_in_the_centres_time_decides_who_on_call_means(client, login, make_staff, center):
    day, night = make_staff("nurse", center), make_staff("clinician", center)
    roster = {
        "entries": [
            {"staff_id": day.id, "starts_at": "2026-11-22T08:00:00", "ends_at": "2026-11-22T20:00:00"},
            {"staff_id": night.id, "starts_at": "2026-11-22T20:00:00", "ends_at": "2026-11-23T08:00:00"},
        ]
    }
    nurse = login(make_staff("nurse", center))
    response = client.put(f"/api/v1/centers/{center.id}/on-call", json=roster, headers=nurse)
    assert response.status_code == 200, response.json
    # 08:00-20:00 in New York is 13:00-01:00 UTC in November.
    assert [p.id for p in on_call_staff(center.id, datetime(2026, 11, 22, 15, 0, tzinfo=UTC))] == [day.id]
    assert [p.id for p in on_call_staff(center.id, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))] == [night.id]
    assert on_call_staff(center.id, datetime(2026, 11, 23, 14, 0, tzinfo=UTC)) == []


def test_a_roster_entry_ending_before_it_starts_is_refused(client, login, make_staff, center):
    nurse = make_staff("nurse", center)
    roster = {"entries": [{"staff_id": nurse.id, "starts_at": "2026-11-22T20:00:00", "ends_at": "2026-11-22T08:00:00"}]}
    response = client.put(f"/api/v1/centers/{center.id}/on-call", json=roster, headers=login(nurse))
    assert response.status_code == 422
    assert "entries.0.ends_at" in response.json["error"]["fields"]


def test_both_roster_forms_at_once_are_refused(client, login, make_staff, center):
    nurse = make_staff("nurse", center)
    response = client.put(
        f"/api/v1/centers/{center.id}/on-call",
        json={"staff_ids": [nurse.id], "entries": [{"staff_id": nurse.id, "starts_at": "2026-11-22T08:00:00"}]},
        headers=login(nurse),
    )
    assert response.status_code == 422
