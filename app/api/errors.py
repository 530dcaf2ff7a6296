"""One error shape for every 4xx/5xx: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging
import re

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

from app.fhir.outcome import operation_outcome
from app.schemas.common import flatten_messages
from app.services.errors import (
    DomainError,
)

log = logging.getLogger("vigil.errors")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}
# Codes more specific than the status's own, raised as ApiError(..., code=...) or a domain error's
# code=... (app/services/errors.py). The description's `error.code` enum is CODES' values plus
# these; a test fails when a new code is raised unlisted.
SPECIFIC_CODES = (
    "account_locked",
    "already_inactive",
    "already_resolved",
    "client_id_conflict",
    "code_expired",
    "code_locked",
    "duplicate_mrn",
    "duplicate_phone",
    "family_exists",
    "invalid_code",
    "invalid_credentials",
    "self_deactivation",
    "superseded",
    "template_read_only",
)
ERROR_CODES = frozenset(CODES.values()) | frozenset(SPECIFIC_CODES) | {"error"}


class ApiError(HTTPException):
    """Raised by the API's views to answer with a specific status, code and field messages (services raise
    the domain errors of app/services/errors.py, translated by `from_domain`)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code or CODES.get(status, "error")
        self.fields = fields or {}
        self.extra_headers = headers or {}


def from_domain(error: DomainError) -> ApiError:
    """A service's refusal as the API's error: its kind's status, its message, code and fields."""
    return ApiError(error.status, error.message, code=error.code, fields=error.fields)


def domain_error_response(error: DomainError) -> Response:
    return error_response(from_domain(error))


def _fields_from_webargs(error: HTTPException) -> dict[str, list[str]]:
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    fields: dict[str, list[str]] = {}
    for location, by_field in messages.items():
        # Body fields are named bare ("vitals.spo2"); query/path ones keep their location.
        fields.update(flatten_messages(by_field, "" if location == "json" else location))
    return fields


def error_body(status: int, message: str, code: str | None = None, fields: dict | None = None) -> dict:
    body: dict[str, object] = {"code": code or CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


# FHIR paths, also when the URL did not route (an id that is not a number answers 404 unrouted).
FHIR_PATH = re.compile(r"^/api/v1/(patients/[^/]+/fhir|alerts/[^/]+/handoff)/?$|^/fhir/")


def _is_fhir() -> bool:
    return request.blueprint == "fhir" or bool(FHIR_PATH.match(request.path))


def error_response(error: HTTPException) -> Response:
    status = error.code or 500
    if isinstance(error, ApiError):
        body = error_body(status, error.description or "", error.error_code, error.fields)
        headers = error.extra_headers
    else:
        fields = _fields_from_webargs(error) if status == 422 else {}
        message = error.description or ""
        if status == 400 and request.is_json and message.startswith("The browser (or proxy)"):
            message = "The request body is not valid JSON."
        if status == 422 and fields:
            message = "Not valid: " + ", ".join(sorted(fields))
        body = error_body(status, message, fields=fields)
        # Keep Allow on 405 and Retry-After on 429; smorest would drop them.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    if _is_fhir():  # FHIR clients read errors as an OperationOutcome
        detail = body["error"]
        response = jsonify(operation_outcome(status, detail["message"], detail["code"], detail.get("fields")))
        response.mimetype = "application/fhir+json"
    else:
        response = jsonify(body)
    response.status_code = status
    response.headers.update(headers)
    return response
