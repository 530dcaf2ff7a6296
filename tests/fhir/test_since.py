"""`_since`: an incremental export holds only resources changed after the given instant."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fhir.r4 import by_id, validate_bundle


def export(client, demo, since: str | None = None):
    query = {"_since": since} if since is not None else {}
    return client.get(f"/api/v1/patients/{demo.patient_id}/fhir", headers=demo.staff_headers, query_string=query)


def updated(resource: dict) -> datetime:
    return datetime.fromisoformat(resource["meta"]["lastUpdated"].replace("Z", "+00:00"))


def test_since_returns_only_newer_resources(client, demo):
    full = by_id(export(client, demo).json)
    since = "2026-11-22T15:45:00Z"  # between the second report (15:30) and the third (16:00)
    response = export(client, demo, since)
    assert response.status_code == 200
    validate_bundle(response.json)
    newer = by_id(response.json)
    cut = datetime.fromisoformat("2026-11-22T15:45:00+00:00")
    assert set(newer) == {i for i, r in full.items() if updated(r) > cut}
    third, second, first = demo.report_ids[2], demo.report_ids[1], demo.report_ids[0]
    assert {f"obs-spo2-{third}", f"obs-bp-{third}", f"obs-ice-{third}", f"qr-{third}",
            f"issue-{demo.alert_id}"} <= set(newer)
    assert not {f"obs-temp-{second}", f"obs-temp-{first}", f"patient-{demo.patient_id}", "vigil-report",
                f"flag-window-{demo.patient_id}"} & set(newer)


def test_since_is_strictly_after(client, demo):
    """Bulk Data semantics: a resource last changed exactly at `_since` was in the previous export."""
    at_third = export(client, demo, demo.received[2].isoformat()).json
    assert f"obs-spo2-{demo.report_ids[2]}" not in by_id(at_third)
    just_before = export(client, demo, "2026-11-22T15:59:59.999999+00:00").json
    assert f"obs-spo2-{demo.report_ids[2]}" in by_id(just_before)


def test_since_accepts_offsets_and_before_everything_gives_all(client, demo):
    full = export(client, demo).json
    everything = export(client, demo, "2026-10-01T00:00:00-04:00").json
    assert by_id(everything) == by_id(full)


def test_since_after_everything_gives_an_empty_bundle(client, demo):
    response = export(client, demo, "2026-11-22T17:00:00Z")
    assert response.status_code == 200
    assert response.json["entry"] == []
    validate_bundle(response.json)


@pytest.mark.parametrize("value", ["yesterday", "2026-11-22T15:45:00", "2026-11-22", "2026-13-01T00:00:00Z", ""])
def test_bad_since_is_422_naming_the_parameter(client, demo, value):
    response = export(client, demo, value)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "query._since" in response.json["error"]["fields"]

