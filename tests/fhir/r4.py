"""Validating against FHIR R4 (4.0.1) with the fhir.resources 6.4 models.

fhir.resources 7+ ships R5 by default and R4B (4.3) as a subpackage, but no R4; 6.4.0 is the
last release whose models are R4 4.0.1, checked below so a silent upgrade cannot turn this into
R4B/R5 validation. Its models check structure, cardinality and datatypes but not code bindings,
so required value sets (the `enum_values` the models carry, completed where they are cut short)
are checked here too.
"""

from __future__ import annotations

import fhir.resources
from fhir.resources import construct_fhir_element
from fhir.resources.core.fhirabstractmodel import FHIRAbstractModel

assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__


# The models cut long required value sets short with a trailing "+"; the full R4 lists of the
# ones Vigil emits are completed here (ObservationStatus and QuestionnaireItemType, FHIR 4.0.1).
OBSERVATION_STATUS = [
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
]
COMPLETED = {
    ("Observation", "status"): OBSERVATION_STATUS,
    ("DetectedIssue", "status"): OBSERVATION_STATUS,
    ("QuestionnaireItem", "type"): [
        "group",
        "display",
        "boolean",
        "decimal",
        "integer",
        "date",
        "dateTime",
        "time",
        "string",
        "text",
        "url",
        "choice",
        "open-choice",
        "attachment",
        "reference",
        "quantity",
    ],
}


def _allowed(model: FHIRAbstractModel, name: str, listed: list[str]) -> list[str]:
    if "+" not in listed:
        return listed
    key = (type(model).__name__, name)
    assert key in COMPLETED, f"{key} has a shortened value set in the models; add the full R4 list to COMPLETED"
    return COMPLETED[key]


def _check_codes(model: FHIRAbstractModel, path: str) -> None:
    for name, field in model.__fields__.items():
        value = getattr(model, name)
        if value is None:
            continue
        if listed := field.field_info.extra.get("enum_values"):
            allowed = _allowed(model, name, listed)
            values = value if isinstance(value, list) else [value]
            assert all(v in allowed for v in values), f"{path}.{name}={value!r} not in {allowed}"
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, FHIRAbstractModel):
                _check_codes(child, f"{path}.{name}")


def validate(resource: dict) -> FHIRAbstractModel:
    """Parse with the R4 model of its resourceType (raises on any structural error)."""
    model = construct_fhir_element(resource["resourceType"], resource)
    _check_codes(model, resource["resourceType"])
    return model


def validate_bundle(bundle: dict) -> None:
    """The Bundle as a whole, then every entry's resource with its own R4 class."""
    validate(bundle)
    for entry in bundle.get("entry", []):
        validate(entry["resource"])


def references(node: object) -> list[str]:
    """Every literal `reference` anywhere in a resource."""
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [r for value in node.values() for r in references(value)]
    if isinstance(node, list):
        return [r for value in node for r in references(value)]
    return []


def by_id(bundle: dict) -> dict[str, dict]:
    return {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}


def assert_references_resolve(bundle: dict) -> None:
    """Every entry has a urn:uuid fullUrl and every reference names one of them (FHIR R4
    bundle.html#references: with urn fullUrls, references must be the fullUrls themselves)."""
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    assert len(full_urls) == len(bundle["entry"])
    for entry in bundle["entry"]:
        assert entry["fullUrl"].startswith("urn:uuid:"), entry["fullUrl"]
        for reference in references(entry["resource"]):
            assert reference in full_urls, (entry["resource"]["id"], reference)


def relative(bundle: dict) -> dict:
    """A copy whose references read "Type/id" again, for assertions about what points at what."""
    names = {e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {
                k: (names.get(v, v) if k == "reference" and isinstance(v, str) else walk(v)) for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(bundle)  # type: ignore[return-value]


def outcome_code(response) -> str:  # noqa: ANN001 - a test client response
    """The API error code a FHIR endpoint's OperationOutcome carries."""
    assert response.mimetype == "application/fhir+json"
    body = response.json
    assert body["resourceType"] == "OperationOutcome"
    validate(body)
    return body["issue"][0]["details"]["text"]
