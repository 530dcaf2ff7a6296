"""GET /patients/{id}/fhir: an R4 collection Bundle of the whole record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.fhir.common import vigil_cs
from app.models import AuditEvent
from app.schemas.report import NEURO_FLAGS, SIGNS, SYMPTOMS
from app.services.alerts import raise_alert
from app.timesource import utcnow
from tests.fhir.r4 import assert_references_resolve, by_id, relative, validate, validate_bundle

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"


def export(client, demo, **params) -> dict:
    response = client.get(f"/api/v1/patients/{demo.patient_id}/fhir", headers=demo.staff_headers, query_string=params)
    assert response.status_code == 200, response.json
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    assert_references_resolve(response.json)
    return relative(response.json)  # references as "Type/id" for the assertions below


def test_bundle_validates_as_r4_entry_by_entry(client, demo):
    bundle = export(client, demo)
    validate_bundle(bundle)
    assert bundle["type"] == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient",
        "Organization",
        "Questionnaire",
        "QuestionnaireResponse",
        "Flag",
        "Observation",
        "DetectedIssue",
        "Communication",
    }


def test_every_reference_resolves_inside_the_bundle(client, demo):
    """urn:uuid fullUrls (no URL that claims a server), stable from export to export."""
    first = client.get(f"/api/v1/patients/{demo.patient_id}/fhir", headers=demo.staff_headers).json
    assert_references_resolve(first)
    second = client.get(f"/api/v1/patients/{demo.patient_id}/fhir", headers=demo.staff_headers).json
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    observation = next(e["resource"] for e in first["entry"] if e["resource"]["resourceType"] == "Observation")
    patient_url = next(e["fullUrl"] for e in first["entry"] if e["resource"]["resourceType"] == "Patient")
    assert observation["subject"] == {"reference": patient_url}


# Written out here, not imported from the builder: the table is what the issue asks for.
VITALS = [
    ("temp", 0, [("8310-5", "Body temperature")], "Cel", 36.8),
    ("hr", 1, [("8867-4", "Heart rate")], "/min", 112),
    ("rr", 2, [("9279-1", "Respiratory rate")], "/min", 24),
    ("spo2", 2, [("2708-6", None), ("59408-5", None)], "%", 89),
    ("weight", 2, [("29463-7", "Body weight")], "kg", 71.2),
]


@pytest.mark.parametrize(("key", "report", "codes", "unit", "value"), VITALS, ids=[v[0] for v in VITALS])
def test_each_vital_carries_its_loinc_code_and_ucum_unit(client, demo, key, report, codes, unit, value):
    observation = by_id(export(client, demo))[f"obs-{key}-{demo.report_ids[report]}"]
    assert [(c["system"], c["code"]) for c in observation["code"]["coding"]] == [(LOINC, code) for code, _ in codes]
    for coding, (_, display) in zip(observation["code"]["coding"], codes, strict=True):
        assert display is None or coding["display"] == display
    assert observation["valueQuantity"]["system"] == UCUM
    assert observation["valueQuantity"]["code"] == unit
    assert observation["valueQuantity"]["value"] == value
    assert observation["category"][0]["coding"][0]["code"] == "vital-signs"
    assert observation["subject"] == {"reference": f"Patient/patient-{demo.patient_id}"}


def test_blood_pressure_is_a_panel_with_systolic_and_diastolic_components(client, demo):
    observation = by_id(export(client, demo))[f"obs-bp-{demo.report_ids[2]}"]
    assert observation["code"]["coding"][0]["code"] == "85354-9"
    assert "valueQuantity" not in observation
    parts = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in observation["component"]}
    assert parts == {
        "8480-6": {"value": 88, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
        "8462-4": {"value": 55, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
    }


def test_ice_score_uses_the_local_code_system_with_its_domains(client, demo):
    observation = by_id(export(client, demo))[f"obs-ice-{demo.report_ids[2]}"]
    assert observation["code"]["coding"][0] == {
        "system": vigil_cs(),
        "code": "ice-score",
        "display": ("ICE score (Immune effector Cell-associated Encephalopathy)"),
    }
    assert observation["valueInteger"] == 8
    domains = {c["code"]["coding"][0]["code"]: c["valueInteger"] for c in observation["component"]}
    assert domains == {"ice-orientation": 2, "ice-naming": 3, "ice-commands": 1, "ice-writing": 1, "ice-attention": 1}
    assert observation["performer"] == [{"display": "Caregiver"}]  # the third report came from the caregiver


def test_reports_yield_only_the_observations_they_measured(client, demo):
    ids = set(by_id(export(client, demo)))
    second = demo.report_ids[1]
    assert {f"obs-temp-{second}", f"obs-hr-{second}", f"qr-{second}"} <= ids
    assert not {f"obs-bp-{second}", f"obs-spo2-{second}", f"obs-ice-{second}"} & ids


def test_fahrenheit_is_exported_in_celsius_with_what_was_entered(
    client, make_center, make_staff, login, make_patient, post_report
):
    center = make_center()
    enrolled = make_patient(center)
    answer = post_report(enrolled, vitals={"temperature_f": 101.5}, antipyretic_in_last_6h=True)
    bundle = client.get(f"/api/v1/patients/{enrolled.id}/fhir", headers=login(make_staff("clinician", center))).json
    observation = by_id(bundle)[f"obs-temp-{answer['report']['id']}"]
    validate(observation)
    assert observation["valueQuantity"] == {"value": 38.61, "unit": "°C", "system": UCUM, "code": "Cel"}
    assert [n["text"] for n in observation["note"]] == [
        "Entered as 101.5 °F; converted to °C.",
        "Antipyretic taken in the 6 hours before this reading: fever may be masked.",
    ]


def test_answers_are_a_questionnaire_response_against_the_published_questionnaire(client, demo):
    resources = by_id(export(client, demo))
    questionnaire = resources["vigil-report"]
    response = resources[f"qr-{demo.report_ids[1]}"]
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert response["status"] == "completed"
    answers = {i["linkId"]: i["answer"][0] for g in response["item"] for i in g.get("item", [g])}
    assert answers == {
        "symptoms.chills": {"valueInteger": 2},
        "symptoms.fatigue": {"valueInteger": 2},
        "note": {"valueString": "Shivering since lunch"},
    }
    caregiver = resources[f"qr-{demo.report_ids[2]}"]
    assert caregiver["source"] == {"display": "Caregiver"}
    neuro = next(g for g in caregiver["item"] if g["linkId"] == "neuro")
    assert {
        "linkId": "neuro.confusion",
        "text": "New confusion or disorientation",
        "answer": [{"valueBoolean": True}],
    } in neuro["item"]


def _link_ids(items: list[dict]) -> set[str]:
    return {i["linkId"] for i in items} | {x for i in items for x in _link_ids(i.get("item", []))}


def test_questionnaire_covers_every_report_field_and_every_answer_matches_an_item(client, demo):
    resources = by_id(export(client, demo))
    defined = _link_ids(resources["vigil-report"]["item"])
    expected = {f"symptoms.{n}" for n in SYMPTOMS} | {f"neuro.{n}" for n in NEURO_FLAGS} | {f"signs.{n}" for n in SIGNS}
    assert expected <= defined
    for resource in resources.values():
        if resource["resourceType"] == "QuestionnaireResponse":
            assert _link_ids(resource["item"]) <= defined


def test_flag_marks_the_monitoring_window(client, demo):
    flag = by_id(export(client, demo))[f"flag-window-{demo.patient_id}"]
    assert flag["status"] == "active"
    assert flag["period"] == {"start": "2026-11-20T15:00:00Z", "end": "2026-12-05T05:00:00Z"}
    assert flag["code"]["text"] == (
        "CAR T-cell therapy: Yescarta (CD19) infused 2026-11-20; home monitoring through 2026-12-04"
    )


def test_flag_is_inactive_after_the_window(client, demo, frozen_clock, login):
    frozen_clock.set(datetime(2026, 12, 6, tzinfo=UTC))
    demo.staff_headers = login(demo.nurse)  # the shift's token has expired by then
    flag = by_id(export(client, demo))[f"flag-window-{demo.patient_id}"]
    assert flag["status"] == "inactive"
    assert flag["meta"]["lastUpdated"] == "2026-12-05T05:00:00Z"


def test_alert_is_a_detected_issue_with_evidence_and_mitigation(client, demo):
    issue = by_id(export(client, demo))[f"issue-{demo.alert_id}"]
    assert issue["severity"] == "high"
    assert issue["status"] == "preliminary"  # acknowledged, not resolved
    opening, upgrade = issue["evidence"]
    first = demo.report_ids[1]
    assert {d["reference"] for d in opening["detail"]} == {
        f"Observation/obs-temp-{first}",
        f"Observation/obs-hr-{first}",
        f"QuestionnaireResponse/qr-{first}",
    }
    assert all(c["coding"][0]["system"] == vigil_cs() for c in opening["code"])
    assert f"Observation/obs-spo2-{demo.report_ids[2]}" in {d["reference"] for d in upgrade["detail"]}
    (ack,) = issue["mitigation"]
    assert ack["action"]["coding"][0]["code"] == "acknowledged"
    assert ack["author"]["identifier"]["value"] == str(demo.nurse.id)
    assert ack["date"] == "2026-11-22T16:30:00Z"


def test_pages_are_communications_with_delivery_status(client, demo):
    communications = [r for r in by_id(export(client, demo)).values() if r["resourceType"] == "Communication"]
    assert len(communications) >= 2  # the urgent page, then the emergency re-page
    first = communications[0]
    assert first["status"] == "completed"
    assert first["received"] == "2026-11-22T16:00:00Z"  # delivered before the third report
    assert first["about"] == [{"reference": f"DetectedIssue/issue-{demo.alert_id}"}]
    assert first["recipient"][0]["display"] == demo.nurse.name
    assert "ACK" in first["payload"][0]["contentString"]
    assert {c["status"] for c in communications[1:]} <= {"preparation", "not-done", "in-progress"}


def test_export_is_deterministic_and_audited(client, demo):
    first, second = export(client, demo), export(client, demo)
    assert first == second
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "fhir.export", AuditEvent.patient_id == demo.patient_id)
    ).all()
    assert len(events) == 2
    assert events[0].actor_id == demo.nurse.id


def test_partial_measurements_say_what_is_missing(client, make_center, make_staff, login, make_patient, post_report):
    center = make_center()
    enrolled = make_patient(center)
    answer = post_report(enrolled, vitals={"systolic_bp": 84}, neuro={"ice_unable": True})
    resources = by_id(
        client.get(f"/api/v1/patients/{enrolled.id}/fhir", headers=login(make_staff("nurse", center))).json
    )
    report_id = answer["report"]["id"]
    bp, ice = resources[f"obs-bp-{report_id}"], resources[f"obs-ice-{report_id}"]
    validate(bp)
    validate(ice)
    systolic, diastolic = bp["component"]
    assert systolic["valueQuantity"]["value"] == 84
    assert diastolic["dataAbsentReason"]["coding"][0]["code"] == "unknown" and "valueQuantity" not in diastolic
    assert "valueInteger" not in ice
    assert ice["dataAbsentReason"]["coding"][0] == {
        "system": vigil_cs(),
        "code": "ice-unable",
        "display": "Could not do the ICE test",
    }


def test_an_alert_without_a_report_keeps_its_findings_as_evidence(client, make_center, make_staff, login, make_patient):
    center = make_center()
    enrolled = make_patient(center)
    change = raise_alert(
        enrolled.patient,
        "urgent",
        [{"rule": "R12_no_check_in", "level": "urgent", "summary": "No check-in for 9 h"}],
        now=utcnow(),
        kind="missed_check_in",
    )
    db.session.commit()
    headers = login(make_staff("nurse", center))
    bundle = client.get(f"/api/v1/patients/{enrolled.id}/fhir", headers=headers).json
    validate_bundle(bundle)
    issue = by_id(bundle)[f"issue-{change.alert.id}"]
    assert issue["code"]["coding"][0]["code"] == "alert-missed_check_in"
    assert issue["evidence"] == [
        {"code": [{"coding": [{"system": vigil_cs(), "code": "R12_no_check_in"}], "text": "No check-in for 9 h"}]}
    ]
    document = client.get(f"/api/v1/alerts/{change.alert.id}/handoff", headers=headers)
    validate_bundle(document.json)
    page = client.get(f"/api/v1/alerts/{change.alert.id}/handoff?format=html", headers=headers)
    assert "No check-in for 9 h" in page.get_data(as_text=True)
