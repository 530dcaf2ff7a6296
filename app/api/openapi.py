"""Finishing the OpenAPI description so that client generators get it right.

flask-smorest and apispec write the description from the views and the marshmallow schemas; a few
conventions are applied here, once, to the whole document, so that every endpoint and field added
later inherits them without anyone remembering:

- a nullable nested object is `{"nullable": true, "allOf": [{"$ref": ...}]}` (apispec writes
  `anyOf: [{type: object, nullable: true}, $ref]`, which generators turn into an untyped object);
- a schema used only in responses lists every property as `required` (Vigil always writes every
  declared field), except those declared with `metadata={"x-optional": True}`;
- operations without a bearer requirement say `security: []`; every operation gets an
  `operationId` (unless it names one), the error statuses it can really answer with, and an
  example request body and answer built from its schemas (a field's `example` metadata wins);
- `servers`, a licence, and the list-pagination headers are described once.

The list of statuses each kind of operation can answer is the contract; `tests/contract/` checks
the running API against it.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator

from app.api.errors import ERROR_CODES

JSON = "application/json"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
METHODS = ("get", "put", "post", "delete", "patch")

# Statuses every operation of a kind can answer with, and why (the README's "API at a glance").
STATUS_TEXT = {
    "400": "The body is not valid JSON.",
    "401": "No valid bearer token (missing, unknown, expired or revoked).",
    "403": "The caller's role may not use this endpoint.",
    "404": "Not found, or not visible to the caller's centre.",
    "409": "Conflicts with the stored state.",
    "413": "The body is larger than MAX_CONTENT_LENGTH.",
    "415": "The body is not JSON (Content-Type must be application/json).",
    "422": "A field or query parameter is not valid; `error.fields` names each.",
    "429": "Too many tries from this address; wait `Retry-After` seconds.",
}
RATE_LIMIT_HEADERS = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
    "X-RateLimit-Limit": {"description": "Requests allowed in the window.", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "When the window resets (Unix time).", "schema": {"type": "integer"}},
}
PAGINATION_HEADERS = {
    "X-Total-Count": {
        "description": "How many items the list holds in all (before limit and offset).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Link": {
        "description": 'RFC 8288 links: `rel="next"` (absent on the last page) and `rel="first"`.',
        "schema": {"type": "string"},
    },
}
FHIR_JSON = "application/fhir+json"
OPERATION_OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "description": "FHIR R4 OperationOutcome: how the FHIR endpoints answer errors. `issue[].details.text` is "
    "the API's error code; `issue[].location` names a refused parameter.",
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"type": "string", "enum": ["fatal", "error", "warning", "information"]},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "details": {"type": "object", "properties": {"text": {"type": "string"}}},
                    "location": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
LICENSE = {"name": "Proprietary: all rights reserved by the Vigil project"}

# The sign-in operations: rate limited (`limiter.limit` in app/api/auth.py), 401 for a wrong password
# or code and 403 for a locked account or code, though they need no token.
SIGN_IN = {("post", "/api/v1/auth/login"), ("post", "/api/v1/auth/enroll")}


def conflict(description: str) -> dict:
    """`@blp.doc(responses=conflict("..."))`: the operation can answer 409, and when."""
    return {"409": {"description": description}}


def finish(spec: dict, *, server_url: str | None = None) -> dict:
    spec = copy.deepcopy(spec)
    spec.setdefault("info", {}).setdefault("license", LICENSE)
    spec["info"].setdefault(
        "description",
        "Vigil's API for patients' phones and care teams. Every error has "
        'one shape: `{"error": {"code", "message", "fields"}}`.',
    )
    spec["servers"] = [{"url": (server_url or "/").rstrip("/") or "/", "description": "This deployment"}]
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("OperationOutcome", OPERATION_OUTCOME)
    _nullable_refs(spec)
    _error_codes(schemas)
    for path, method, operation in _operations(spec):
        _operation(path, method, operation)
        _optional_body(operation, schemas)
    _required_in_responses(spec)
    for _path, _method, operation in _operations(spec):
        _examples(operation, schemas)
    _drop_unused(components)
    _drop_unused_responses(spec)
    return spec


def _operations(spec: dict) -> Iterator[tuple[str, str, dict]]:
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def operation_id(path: str, method: str) -> str:
    """`GET /api/v1/patients/{patient_id}/reports` -> `getPatientsReports`; a path ending in an id
    gets `ById` (`getPatientsById`), so item and collection never collide."""
    parts = [p for p in path.split("/") if p and p not in ("api", "v1")]
    words = [w for p in parts if not p.startswith("{") for w in re.split(r"[-_]", p)]
    name = method + "".join(w[:1].upper() + w[1:] for w in words)
    return name + ("ById" if parts and parts[-1].startswith("{") else "")


def _error(status: str, headers: dict | None = None) -> dict:
    response = {"description": STATUS_TEXT[status], "content": {JSON: {"schema": ERROR_REF}}}
    if headers:
        response["headers"] = headers
    return response


def _operation(path: str, method: str, op: dict) -> None:
    op.setdefault("operationId", operation_id(path, method))
    op.setdefault("security", [])  # public unless `requires()` said otherwise
    responses = op.setdefault("responses", {})
    wanted = []
    if op["security"] or (method, path) in SIGN_IN:
        wanted += ["401", "403"]
    if "{" in path:
        wanted.append("404")
    if "requestBody" in op:
        wanted += ["400", "413", "415", "422"]
    elif any(p.get("in") == "query" for p in op.get("parameters", [])):
        wanted.append("422")
    for status in wanted:
        if status not in responses or "$ref" in responses[status]:
            responses[status] = _error(status)
    if (method, path) in SIGN_IN:
        responses["429"] = _error("429", RATE_LIMIT_HEADERS)
    if "409" in responses and "content" not in responses["409"]:
        responses["409"] = {**_error("409"), "description": responses["409"].get("description", STATUS_TEXT["409"])}
    if "fhir" in op.get("tags", []):  # app/api/errors.py answers these as an OperationOutcome
        outcome = {FHIR_JSON: {"schema": {"$ref": "#/components/schemas/OperationOutcome"}}}
        for status, response in list(responses.items()):
            if status == "default" or status[0] in "45":
                described = responses[status] if "$ref" not in response else {"description": "An error"}
                responses[status] = {**described, "content": outcome}
    if any(p.get("in") == "query" and p.get("name") == "offset" for p in op.get("parameters", [])):
        for status in ("200",):
            if status in responses:
                responses[status].setdefault("headers", {}).update(PAGINATION_HEADERS)


def _optional_body(op: dict, schemas: dict) -> None:
    """A body whose schema requires no field may be left out (an empty PATCH changes nothing and
    answers 200), so the description must not call it required."""
    schema = op.get("requestBody", {}).get("content", {}).get(JSON, {}).get("schema", {})
    if "$ref" in schema and not schemas.get(schema["$ref"].rsplit("/", 1)[1], {}).get("required"):
        op["requestBody"]["required"] = False


def _nullable_refs(node: object) -> None:
    """apispec's `anyOf: [{type: object, nullable: true}, {$ref}]` -> `nullable` + `allOf: [$ref]`."""
    if isinstance(node, dict):
        any_of = node.get("anyOf")
        if isinstance(any_of, list) and len(any_of) == 2:
            refs = [s for s in any_of if "$ref" in s]
            nulls = [s for s in any_of if s.get("nullable") and "$ref" not in s]
            if len(refs) == 1 and len(nulls) == 1:
                del node["anyOf"]
                # No `type: object` beside them: openapi-python-client then drops the None (README).
                node.update({"nullable": True, "allOf": refs})
        for value in node.values():
            _nullable_refs(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_refs(value)


def _error_codes(schemas: dict) -> None:
    detail = schemas.get("ErrorDetail")
    if detail:
        detail["properties"]["code"]["enum"] = sorted(ERROR_CODES)


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/components/schemas/"):
            yield node["$ref"].rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _closure(names: set[str], schemas: dict) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        todo.extend(_refs(schemas[name]))
    return seen


def _required_in_responses(spec: dict) -> None:
    schemas = spec["components"]["schemas"]
    responses_part = [op.get("responses", {}) for _, _, op in _operations(spec)]
    responses_part.append(spec["components"].get("responses", {}))
    requests_part = [
        [op.get("requestBody"), op.get("parameters"), item.get("parameters")]
        for item in spec.get("paths", {}).values()
        for op in [item.get(m, {}) for m in METHODS]
    ]
    in_responses = _closure(set(_refs(responses_part)), schemas)
    in_requests = _closure(set(_refs(requests_part)), schemas)
    for name, schema in schemas.items():
        properties = schema.get("properties", {})
        optional = {key for key, prop in properties.items() if prop.pop("x-optional", False)}
        if name in in_responses and name not in in_requests:
            schema["required"] = [key for key in properties if key not in optional]
            if not schema["required"]:
                del schema["required"]


# ----------------------------------------------------------------------------- examples

SAMPLE_STRINGS = {
    "date-time": "2026-11-22T14:05:00+00:00",
    "date": "2026-11-22",
    "email": "nurse@vigil.demo",
    "uri": "https://vigil.example/fhir",
    "uuid": "3f2c1f9e-8d4b-4a55-9c1e-2b7c0f5e9a10",
}


def sample(schema: dict, schemas: dict, depth: int = 0) -> object:
    """A value that satisfies `schema` (enough for the docs and a generator's fixtures)."""
    if "example" in schema:
        return schema["example"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return sample(schemas.get(name, {}), schemas, depth + 1) if depth < 8 else {}
    for key in ("allOf", "anyOf", "oneOf"):
        if schema.get(key):
            return sample(schema[key][0], schemas, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        keys = [k for k in properties if k in schema.get("required", properties)]
        return {k: sample(properties[k], schemas, depth + 1) for k in keys if not properties[k].get("readOnly")}
    if kind == "array":
        return [sample(schema.get("items", {}), schemas, depth + 1)] if depth < 8 else []
    if kind in ("integer", "number"):
        low = schema.get("minimum", 1)
        return int(low) if kind == "integer" else float(low)
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") in SAMPLE_STRINGS:
            return SAMPLE_STRINGS[schema["format"]]
        return "x" * max(schema.get("minLength", 0), 1) if schema.get("minLength") else "text"
    return None


def _examples(op: dict, schemas: dict) -> None:
    body = op.get("requestBody", {}).get("content", {}).get(JSON)
    if body and "schema" in body and "example" not in body and "examples" not in body:
        body["example"] = sample(body["schema"], schemas)
    for status, response in op.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        for media in response.get("content", {}).values():
            if "schema" in media and "example" not in media and "examples" not in media:
                media["example"] = sample(media["schema"], schemas)


def _drop_unused(components: dict) -> None:
    """flask-smorest registers `PaginationMetadata` for its page/page_size style, which Vigil does not
    use (lists take limit/offset and answer X-Total-Count and Link headers)."""
    schemas = components.get("schemas", {})
    if "PaginationMetadata" in schemas:
        del schemas["PaginationMetadata"]
    components.get("headers", {}).pop("PAGINATION", None)


def _drop_unused_responses(spec: dict) -> None:
    """smorest's shared error responses that every operation now answers with its own text."""
    used = {ref.rsplit("/", 1)[1] for ref in _all_refs(spec.get("paths", {}), "#/components/responses/")}
    responses = spec.get("components", {}).get("responses", {})
    for name in [n for n in responses if n not in used]:
        del responses[name]


def _all_refs(node: object, prefix: str) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith(prefix):
            yield node["$ref"]
        for value in node.values():
            yield from _all_refs(value, prefix)
    elif isinstance(node, list):
        for value in node:
            yield from _all_refs(value, prefix)
