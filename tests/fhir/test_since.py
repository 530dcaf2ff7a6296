"""`_since`: an incremental export holds only resources changed after the given instant."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.fhir.r4 import assert_references_resolve, by_id, outcome_code, references, validate_bundle


def export(client, demo, since: str | None = None):
    query = {"_since": since} if since is not None else {}
    return client.get(f"/api/v1/patients/{demo.patient_id}/fhir", headers=demo.staff_headers, query_string=query)


def updated(resource: dict) -> datetime:
    return datetime.fromisoformat(resource["meta"]["lastUpdated"].replace("Z", "+00:00"))


def referenced_ids(bundle: dict) -> set[str]:
    """Ids of the entries some other entry refers to."""
    urls = {e["fullUrl"]: e["resource"]["id"] for e in bundle["entry"]}
    return {urls[r] for e in bundle["entry"] for r in references(e["resource"]) if r in urls}


def test_since_returns_newer_resources_and_what_they_refer_to(client, demo):
    """Changed resources, plus those they point at (a `_since` Bundle is self-contained,
    so it still carries the Patient its Observations refer to); nothing else."""
    full = by_id(export(client, demo).json)
    since = "2026-11-22T15:45:00Z"  # between the second report (15:30) and the third (16:00)
    response = export(client, demo, since)
    assert response.status_code == 200
    validate_bundle(response.json)
    assert_references_resolve(response.json)
    newer = by_id(response.json)
    cut = datetime.fromisoformat("2026-11-22T15:45:00+00:00")
    changed = {i for i, r in full.items() if updated(r) > cut}
    assert changed <= set(newer)
    assert set(newer) - changed <= referenced_ids(response.json)
    third = demo.report_ids[2]
    assert {
        f"obs-spo2-{third}",
        f"obs-bp-{third}",
        f"obs-ice-{third}",
        f"qr-{third}",
        f"issue-{demo.alert_id}",
        f"patient-{demo.patient_id}",
    } <= set(newer)
    assert f"patient-{demo.patient_id}" not in changed  # there only because the new resources refer to it
    assert f"flag-window-{demo.patient_id}" not in newer  # unchanged and nothing new points at it


def test_since_is_strictly_after(client, demo):
    """Bulk Data semantics: a resource last changed exactly at `_since` was in the previous export
    (it comes again only as the target of a newer resource's reference)."""
    at_third = export(client, demo, demo.received[2].isoformat()).json
    spo2 = f"obs-spo2-{demo.report_ids[2]}"
    assert spo2 not in by_id(at_third) or spo2 in referenced_ids(at_third)
    assert all(updated(r) > demo.received[2] or i in referenced_ids(at_third) for i, r in by_id(at_third).items())
    just_before = export(client, demo, "2026-11-22T15:59:59.999999+00:00").json
    assert spo2 in by_id(just_before)


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
    assert outcome_code(response) == "validation_error"  # an OperationOutcome
    assert response.json["issue"][0]["location"] == ["query._since"]
