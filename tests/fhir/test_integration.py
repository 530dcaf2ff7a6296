"""What a hospital integrator needs to match Vigil's FHIR: the centre's own MRN
system, a CodeSystem served at its canonical URL, `_format`, OperationOutcome errors, and a second
validator (FHIR.js) beside fhir.resources for exports, `_since` exports and hand-offs."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.fhir.common import vigil_base, vigil_cs
from config import TestingConfig
from tests.fhir.fhirjs import fhirjs_errors
from tests.fhir.r4 import assert_references_resolve, by_id, outcome_code, validate

HOSPITAL_MRN = "urn:oid:2.16.840.1.113883.3.4711.2.1"


def export(client, demo, **query):
    return client.get(f"/api/v1/patients/{demo.patient_id}/fhir", headers=demo.staff_headers, query_string=query)


def mrn_identifier(bundle: dict, demo) -> dict:
    return by_id(bundle)[f"patient-{demo.patient_id}"]["identifier"][0]


def test_mrn_system_defaults_to_one_per_centre_on_this_deployment(client, demo):
    identifier = mrn_identifier(export(client, demo).json, demo)
    assert identifier["system"] == f"{vigil_base()}/sid/mrn/center-{demo.center.id}"
    assert "vigil.example" not in identifier["system"]
    assert identifier["value"] == demo.enrolled.patient.mrn


def test_mrn_system_is_the_centres_own_once_its_admin_sets_it(client, demo, make_staff, login):
    admin = login(make_staff("admin", demo.center))
    changed = client.patch(f"/api/v1/centers/{demo.center.id}", json={"mrn_system": HOSPITAL_MRN}, headers=admin)
    assert changed.status_code == 200, changed.json
    assert changed.json["mrn_system"] == HOSPITAL_MRN
    assert mrn_identifier(export(client, demo).json, demo)["system"] == HOSPITAL_MRN
    handoff = client.get(f"/api/v1/alerts/{demo.alert_id}/handoff", headers=demo.staff_headers).json
    assert mrn_identifier(handoff, demo)["system"] == HOSPITAL_MRN
    back = client.patch(f"/api/v1/centers/{demo.center.id}", json={"mrn_system": None}, headers=admin)
    assert back.json["mrn_system"] == f"{vigil_base()}/sid/mrn/center-{demo.center.id}"


@pytest.mark.parametrize("value", ["hospital-mrn", "ftp://x/y", "urn:oid:99.1", "https://a b"])
def test_mrn_system_must_be_an_absolute_uri(client, demo, make_staff, login, value):
    admin = login(make_staff("admin", demo.center))
    refused = client.patch(f"/api/v1/centers/{demo.center.id}", json={"mrn_system": value}, headers=admin)
    assert refused.status_code == 422 and "mrn_system" in refused.json["error"]["fields"]


@pytest.mark.parametrize("role", ["clinician", "nurse"])
def test_only_admins_set_the_mrn_system(client, demo, make_staff, login, role):
    headers = login(make_staff(role, demo.center))
    response = client.patch(f"/api/v1/centers/{demo.center.id}", json={"mrn_system": HOSPITAL_MRN}, headers=headers)
    assert response.status_code == 403
    assert mrn_identifier(export(client, demo).json, demo)["system"] != HOSPITAL_MRN


def _vigil_codes(node: object) -> set[str]:
    if isinstance(node, dict):
        own = {node["code"]} if node.get("system") == vigil_cs() and isinstance(node.get("code"), str) else set()
        return own.union(*(_vigil_codes(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_vigil_codes(v) for v in node))
    return set()


def test_code_system_is_served_at_its_canonical_url_and_defines_the_codes_used(client, demo):
    path = vigil_cs().removeprefix("http://localhost:5000")
    assert vigil_cs().startswith("http://localhost:5000/") and path == "/fhir/CodeSystem/vigil"
    served = client.get(path)  # no sign-in: terminology, no health data
    assert served.status_code == 200 and served.mimetype == "application/fhir+json"
    system = served.json
    validate(system)
    assert system["url"] == vigil_cs() and system["content"] == "fragment"
    defined = {c["code"] for c in system["concept"]}
    used = _vigil_codes(export(client, demo).json)
    used |= _vigil_codes(client.get(f"/api/v1/alerts/{demo.alert_id}/handoff", headers=demo.staff_headers).json)
    rule_codes = {c for c in used if re.fullmatch(r"R\d+[a-z]?_[a-z0-9_]+", c)}  # the protocol's rules
    assert used - rule_codes <= defined, used - rule_codes - defined
    assert "ice-score" in defined and "alert-report" in defined


def test_code_system_url_is_configurable_and_served_there(database_url):
    canonical = "https://fhir.hospital.example/terminology/CodeSystem/vigil-car-t"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, FHIR_CODESYSTEM_URL=canonical)
    client = app.test_client()
    served = client.get("/terminology/CodeSystem/vigil-car-t")
    assert served.status_code == 200 and served.json["url"] == canonical
    assert client.get("/fhir/CodeSystem/vigil").json["url"] == canonical  # the default path serves it too
    with app.app_context():
        assert vigil_cs() == canonical


@pytest.mark.parametrize("value", ["json", "application/fhir+json", "application/json"])
def test_export_accepts_fhir_format(client, demo, value):
    response = export(client, demo, _format=value)
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert response.json["resourceType"] == "Bundle"


def test_xml_format_is_refused_as_an_operation_outcome(client, demo):
    response = export(client, demo, _format="xml")
    assert response.status_code == 422
    assert outcome_code(response) == "validation_error"
    assert response.json["issue"][0]["location"] == ["query._format"]


def test_handoff_format_chooses_the_representation(client, demo):
    url = f"/api/v1/alerts/{demo.alert_id}/handoff"
    page = client.get(url, headers=demo.staff_headers, query_string={"_format": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    document = client.get(url, headers=demo.staff_headers, query_string={"_format": "application/fhir+json"})
    assert document.status_code == 200 and document.json["type"] == "document"


@pytest.mark.parametrize(
    ("path", "headers", "status", "code"),
    [
        ("/api/v1/patients/{p}/fhir", None, 401, "unauthorized"),
        ("/api/v1/alerts/{a}/handoff", "patient", 403, "forbidden"),
        ("/api/v1/patients/999999/fhir", "staff", 404, "not_found"),
    ],
)
def test_fhir_errors_are_operation_outcomes(client, demo, path, headers, status, code):
    chosen = {"patient": demo.enrolled.headers, "staff": demo.staff_headers, None: {}}[headers]
    response = client.get(path.format(p=demo.patient_id, a=demo.alert_id), headers=chosen)
    assert response.status_code == status
    assert outcome_code(response) == code


def test_export_validates_with_fhirjs(client, demo, tools):
    bundle = export(client, demo).json
    assert fhirjs_errors(tools, bundle) == []


def test_since_export_is_self_contained_and_validates_with_fhirjs(client, demo, tools):
    bundle = export(client, demo, _since="2026-11-22T15:45:00Z").json
    assert f"patient-{demo.patient_id}" in by_id(bundle)
    assert_references_resolve(bundle)
    assert fhirjs_errors(tools, bundle) == []


def test_handoff_validates_with_fhirjs(client, demo, tools):
    document = client.get(f"/api/v1/alerts/{demo.alert_id}/handoff", headers=demo.staff_headers).json
    assert fhirjs_errors(tools, document) == []


def test_fhirjs_catches_a_broken_resource(tools):
    """The second validator really validates: a wrong status code and an unknown field fail."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:3f2c1f9e-8d4b-4a55-9c1e-2b7c0f5e9a10",
                "resource": {
                    "resourceType": "Observation",
                    "status": "finished",
                    "colour": "red",
                    "code": {"text": "x"},
                },
            }
        ],
    }
    errors = fhirjs_errors(tools, bundle)
    assert errors and any(e["resourceType"] == "Observation" for e in errors)


def test_an_unrouted_fhir_url_still_answers_an_operation_outcome(client, demo):
    response = client.get("/api/v1/patients/-1/fhir", headers=demo.staff_headers)
    assert response.status_code == 404 and outcome_code(response) == "not_found"
