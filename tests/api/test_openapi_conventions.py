"""The description's conventions for client generators, checked on the served
JSON for every operation and schema, so endpoints and fields added later are held to them too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.api.errors import ERROR_CODES
from app.api.openapi import sample
from app.models import ALERT_KINDS, ALERT_STATUSES, CHECK_IN_STATES, LANGUAGES, LEVELS, PRODUCTS

METHODS = ("get", "put", "post", "delete", "patch")
APP = Path(__file__).resolve().parents[2] / "app"


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/v1/openapi.json").json


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_nullable_nested_objects_keep_their_type(spec):
    schemas = spec["components"]["schemas"]
    for name, prop in [("ReportResult", "alert"), ("PatientOut", "next_check_in"), ("Neuro", "ice")]:
        field = schemas[name]["properties"][prop]
        assert field["nullable"] is True and len(field["allOf"]) == 1 and "$ref" in field["allOf"][0], (name, field)
    assert '"anyOf"' not in str(spec).replace("'", '"')  # no `anyOf: [{}, $ref]` left anywhere


def test_response_schemas_list_their_required_fields(spec):
    schemas = spec["components"]["schemas"]
    assert set(schemas["ReportResult"]["required"]) == {"report", "assessment", "alert"}
    assert {"id", "status", "level"} <= set(schemas["AlertRef"]["required"])
    assert {"level", "findings", "instructions"} <= set(schemas["Assessment"]["required"])
    assert "fields" not in schemas["ErrorDetail"]["required"]  # only 422s name fields
    assert "required" not in schemas["VitalsOut"]  # each vital is there only when measured
    # A missed or late check-in's finding has no recheck time (app/services/checkins.py).
    assert "recheck_in_minutes" not in schemas["AlertFinding"]["required"]
    assert {"rule", "level", "summary", "report_id"} <= set(schemas["AlertFinding"]["required"])
    assert {"id", "mrn", "product", "language", "next_check_in"} <= set(schemas["PatientOut"]["required"])


def test_closed_sets_are_enums(spec):
    schemas = spec["components"]["schemas"]

    def enum(schema: str, prop: str) -> set[str]:
        return set(schemas[schema]["properties"][prop]["enum"])

    assert enum("Assessment", "level") == enum("AlertRef", "level") == enum("AlertOut", "level") == set(LEVELS)
    assert enum("AlertOut", "status") == enum("AlertRef", "status") == set(ALERT_STATUSES)
    assert enum("AlertOut", "kind") == set(ALERT_KINDS)
    assert enum("CheckInOut", "state") == set(CHECK_IN_STATES)
    assert enum("PatientOut", "language") == set(LANGUAGES)
    assert enum("PatientOut", "product") == set(PRODUCTS)
    assert enum("ErrorDetail", "code") == set(ERROR_CODES)


RAISED_CODE = (
    r"(?:ApiError|NotAuthenticatedError|ForbiddenError|NotFoundError|ConflictError|InvalidError)"
    r'\([^)]*?code="([a-z_]+)"'
)


def test_every_error_code_raised_is_in_the_enum():
    """A code raised as ApiError(..., code="...") or as a domain error (app/services/errors.py) anywhere in
    app/ must be listed in the enum."""
    api_errors = set()
    for source in APP.rglob("*.py"):
        api_errors |= set(re.findall(RAISED_CODE, source.read_text(), flags=re.S))
    assert api_errors and api_errors <= ERROR_CODES, api_errors - ERROR_CODES


def test_report_history_types_its_blocks(spec):
    history = spec["components"]["schemas"]["ReportOut"]["properties"]
    assert history["vitals"] == {"$ref": "#/components/schemas/VitalsOut"}
    for block, schema in (("symptoms", "Symptoms"), ("neuro", "Neuro"), ("signs", "Signs")):
        assert history[block] == {"$ref": f"#/components/schemas/{schema}"}


def test_every_operation_has_an_id_a_summary_an_example_and_its_statuses(spec):
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(spec):
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        responses = op["responses"]
        success = [r for s, r in responses.items() if s.startswith("2")]
        if set(responses) & {"200", "201"}:  # a 204 has no body to give an example of
            assert any("example" in m for r in success for m in r.get("content", {}).values()), where
        if "requestBody" in op:
            assert "example" in op["requestBody"]["content"]["application/json"], where
            assert {"400", "413", "415", "422"} <= set(responses), where
        if op["security"]:
            assert {"401", "403"} <= set(responses), where
        if "{" in path:
            assert "404" in responses, where


def test_public_operations_say_so_and_sign_in_declares_429_with_headers(spec):
    paths = spec["paths"]
    for path in ("/api/v1/auth/login", "/api/v1/auth/enroll"):
        op = paths[path]["post"]
        assert op["security"] == []
        assert {"Retry-After", "X-RateLimit-Limit"} <= set(op["responses"]["429"]["headers"])
        assert {"401", "403"} <= set(op["responses"])
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]


def test_conflicts_are_declared_where_they_happen(spec):
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/me/reports", "post"),
        ("/api/v1/patients/{patient_id}/reports", "post"),
        ("/api/v1/patients", "post"),
        ("/api/v1/protocols", "post"),
        ("/api/v1/alerts/{alert_id}/ack", "post"),
        ("/api/v1/alerts/{alert_id}/resolve", "post"),
    ]:
        assert "409" in paths[path][method]["responses"], (method, path)


def test_servers_licence_and_no_unused_pagination_metadata(client, spec):
    assert spec["servers"][0]["url"] == client.application.config["PUBLIC_BASE_URL"]
    assert spec["info"]["license"]["name"]
    assert "PaginationMetadata" not in spec["components"]["schemas"]


def test_handoff_describes_two_media_types(spec):
    ok = spec["paths"]["/api/v1/alerts/{alert_id}/handoff"]["get"]["responses"]["200"]
    assert set(ok["content"]) == {"application/fhir+json", "text/html"}
    fhir = spec["paths"]["/api/v1/patients/{patient_id}/fhir"]["get"]
    assert "_format" in {p["name"] for p in fhir["parameters"]}
    assert fhir["responses"]["404"]["content"]["application/fhir+json"]["schema"]["$ref"].endswith("OperationOutcome")


def test_sample_values_follow_the_schema():
    schemas = {
        "Thing": {
            "type": "object",
            "required": ["level"],
            "properties": {"level": {"type": "string", "enum": ["urgent"]}, "note": {"type": "string"}},
        }
    }
    assert sample({"$ref": "#/components/schemas/Thing"}, schemas) == {"level": "urgent"}
    assert sample({"type": "integer", "minimum": 5}, {}) == 5
    assert sample({"type": "string", "format": "date-time"}, {}).startswith("2026-")
