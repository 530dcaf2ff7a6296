"""FHIR export and hand-off: "can't measure" answers as data-absent "not-performed", and a Flag
when relative rules are off for want of a baseline."""

from __future__ import annotations

from tests.fhir.r4 import by_id, relative, validate_bundle

NOT_PERFORMED = {
    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
    "code": "not-performed",
    "display": "Not Performed",
}


def export(client, demo) -> dict:
    response = client.get(f"/api/v1/patients/{demo.patient_id}/fhir", headers=demo.staff_headers)
    assert response.status_code == 200, response.json
    return response.json


def test_cant_measure_answers_are_observations_with_a_data_absent_reason(client, demo, post_report):
    answer = post_report(
        demo.enrolled, not_measured=["temperature", "blood_pressure", "spo2"], vitals={"heart_rate": 80}
    )
    rid = answer["report"]["id"]
    bundle = export(client, demo)
    validate_bundle(bundle)
    resources = by_id(bundle)
    for key in ("temp", "spo2"):
        observation = resources[f"obs-{key}-{rid}"]
        assert "valueQuantity" not in observation
        assert observation["dataAbsentReason"]["coding"] == [NOT_PERFORMED]
        assert observation["dataAbsentReason"]["text"] == "Can't measure (answered so at home)"
    bp = resources[f"obs-bp-{rid}"]
    assert [c["dataAbsentReason"]["coding"] for c in bp["component"]] == [[NOT_PERFORMED], [NOT_PERFORMED]]
    assert resources[f"obs-hr-{rid}"]["valueQuantity"]["value"] == 80
    # Not asked is not "can't measure": nothing is exported for a vital simply left out.
    assert f"obs-weight-{rid}" not in resources and f"obs-rr-{rid}" not in resources


def test_relative_rules_off_is_a_flag_in_the_export_and_the_hand_off(client, demo, login, make_staff):
    flag_id = f"flag-baseline-{demo.patient_id}"
    bundle = export(client, demo)
    flag = by_id(bundle)[flag_id]
    assert flag["resourceType"] == "Flag" and flag["status"] == "active"
    assert flag["code"]["text"].startswith("Relative rules off: no baseline")
    assert "handwriting sample" in flag["code"]["text"]

    document = client.get(f"/api/v1/alerts/{demo.alert_id}/handoff", headers=demo.staff_headers).json
    validate_bundle(document)
    assert flag_id in by_id(document)
    therapy = relative(document)["entry"][0]["resource"]["section"][0]
    assert "Relative rules off: no baseline" in therapy["text"]["div"]
    assert {"reference": f"Flag/{flag_id}"} in therapy["entry"]
    html = client.get(f"/api/v1/alerts/{demo.alert_id}/handoff", headers={**demo.staff_headers, "Accept": "text/html"})
    assert "Relative rules off: no baseline" in html.get_data(as_text=True)

    clinician = login(make_staff("clinician", demo.center))
    patched = client.patch(
        f"/api/v1/patients/{demo.patient_id}",
        headers=clinician,
        json={"baseline": {"systolic_bp": 122, "spo2": 98, "ice_score": 10, "handwriting_sample": True}},
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["relative_rules_off"] == [] and patched.json["baseline_missing"] == []
    assert flag_id not in by_id(export(client, demo))
    document = client.get(f"/api/v1/alerts/{demo.alert_id}/handoff", headers=demo.staff_headers).json
    assert flag_id not in by_id(document)
    assert "Relative rules off" not in document["entry"][0]["resource"]["section"][0]["text"]["div"]
