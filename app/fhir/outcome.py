"""Errors of the FHIR endpoints as an OperationOutcome, the shape FHIR clients read."""

from __future__ import annotations

# HTTP status -> R4 IssueType (http://hl7.org/fhir/valueset-issue-type.html).
ISSUE_TYPE = {
    400: "structure",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
}


def operation_outcome(status: int, message: str, code: str, fields: dict | None = None) -> dict:
    """One issue per named field (its location and messages), else one for the whole request.
    `details.text` carries the API's error code, the same as `error.code` elsewhere."""
    kind = ISSUE_TYPE.get(status, "exception" if status >= 500 else "processing")
    base = {"severity": "error" if status < 500 else "fatal", "code": kind, "details": {"text": code}}
    issues = [
        {**base, "diagnostics": f"{name}: {' '.join(messages)}", "location": [name]}
        for name, messages in (fields or {}).items()
    ]
    return {"resourceType": "OperationOutcome", "issue": issues or [{**base, "diagnostics": message}]}
