"""Staff of the patient's centre only; another centre cannot tell the ids exist."""

from __future__ import annotations

import pytest

from tests.fhir.r4 import outcome_code


def paths(demo) -> list[str]:
    return [
        f"/api/v1/patients/{demo.patient_id}/fhir",
        f"/api/v1/alerts/{demo.alert_id}/handoff",
        f"/api/v1/alerts/{demo.alert_id}/handoff?format=html",
    ]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_other_centre_gets_404(client, demo, make_center, make_staff, login, which):
    other = login(make_staff("clinician", make_center()))
    response = client.get(paths(demo)[which], headers=other)
    assert response.status_code == 404
    # FHIR endpoints answer errors as an OperationOutcome, carrying the same code.
    assert outcome_code(response) == "not_found"


@pytest.mark.parametrize("which", [0, 1, 2])
def test_patient_token_gets_403(client, demo, which):
    assert client.get(paths(demo)[which], headers=demo.enrolled.headers).status_code == 403


@pytest.mark.parametrize("which", [0, 1, 2])
def test_no_token_gets_401(client, demo, which):
    assert client.get(paths(demo)[which]).status_code == 401


@pytest.mark.parametrize("role", ["clinician", "nurse"])
def test_staff_of_the_centre_may_read(client, demo, make_staff, login, role):
    headers = login(make_staff(role, demo.center))
    assert all(client.get(p, headers=headers).status_code == 200 for p in paths(demo))


def test_a_platform_admin_may_read_and_another_centre_s_admin_may_not(client, demo, make_center, make_staff, login):
    # An admin with a centre is that centre's admin only.
    platform = login(make_staff("admin", None))
    assert all(client.get(p, headers=platform).status_code == 200 for p in paths(demo))
    other = login(make_staff("admin", make_center()))
    assert all(client.get(p, headers=other).status_code == 404 for p in paths(demo))


def test_unknown_ids_are_404(client, demo):
    assert client.get("/api/v1/patients/999999/fhir", headers=demo.staff_headers).status_code == 404
    assert client.get("/api/v1/alerts/999999/handoff", headers=demo.staff_headers).status_code == 404
