"""Hostile inputs on every operation: schemathesis builds a request from Vigil's
own OpenAPI description, then one hostile generator spoils it: a NUL or a lone surrogate in a
string, an integer of thousands of digits, an instant in year 1 (or 9999), JSON nested 50,000
deep, a number past Python's 4,300-digit limit, an unknown query parameter. Every answer must be
a 4xx (never a 5xx, never accepted), and a refused request must store nothing: every table has
the same rows before and after.

Path parameters are the ids of real rows, so requests reach the validation and the views rather
than stopping at 404.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, OnCallShift, Protocol
from tests.fuzz.test_schemathesis import TOKENS
from tests.personas import PASSWORD, report_body


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")

NUL_TEXT = ("a\x00b", "\x00", "name\x00")
SURROGATES = ("\ud800", "a\udfffb", "\udc00x")
HUGE_INTEGERS = st.integers(min_value=1000, max_value=4000).map(lambda digits: int("9" * digits))
BAD_INSTANTS = ("0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00")
KINDS = ("body_leaf", "query_leaf", "unknown_query", "deep_json", "long_number_literal")


@pytest.fixture
def world(client, make_center, make_staff, make_patient, frozen_clock):
    center = make_center()
    nurse, admin = make_staff("nurse", center), make_staff("admin", center)
    db.session.add(OnCallShift(center_id=center.id, staff_id=nurse.id, starts_at=frozen_clock.now - timedelta(hours=1)))
    db.session.commit()
    patient = make_patient(center)
    opened = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.7}), headers=patient.headers
    )
    assert opened.status_code == 201

    def token(user) -> str:
        return client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).json["access_token"]

    tokens = {"staff": token(admin), "patient": patient.headers["Authorization"].split()[1]}
    TOKENS.update(tokens)  # test_schemathesis registers its auth for every schemathesis test in the run
    return {
        **tokens,
        "ids": {
            "center_id": center.id,
            "patient_id": patient.id,
            "alert_id": db.session.scalar(select(Alert.id)),
            "protocol_id": db.session.scalar(select(Protocol.id).where(Protocol.family == "us-cd19")),
        },
    }


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def _leaves(value, path=()):
    """Paths of every string and number in a decoded JSON value."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, (*path, index))
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield path


def _replace(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replace(value[path[0]], path[1:], new)
    return copy


def _looks_like_instant(value) -> bool:
    try:
        datetime.fromisoformat(str(value))
    except ValueError:
        return False
    return True


def _hostile_leaf(data, original, *, in_url: bool):
    """A hostile value of the leaf's own kind (a free-text field takes "9999-12-31" as text)."""
    if isinstance(original, int | float) or in_url and str(original).lstrip("-").isdigit():
        return data.draw(HUGE_INTEGERS, label="huge integer")
    if _looks_like_instant(original):
        return data.draw(st.sampled_from(BAD_INSTANTS), label="bad instant")
    choices = [*NUL_TEXT] + ([] if in_url else list(SURROGATES))
    return data.draw(st.sampled_from(choices), label="hostile text")


def _spoil(case, data) -> tuple[dict, bytes | None, str]:
    """The query and the raw body of the spoiled request, and what was done."""
    query = dict(case.query or {})
    body = case.body if isinstance(case.body, dict | list | str | int | float) else None  # NOT_SET: no body
    kinds = [
        k
        for k in KINDS
        if (k != "body_leaf" or body is not None and any(_leaves(body)))
        and (k != "query_leaf" or query)
        and (k not in ("deep_json", "long_number_literal") or case.method.upper() in ("POST", "PUT", "PATCH"))
    ]
    kind = data.draw(st.sampled_from(kinds), label="kind")
    if kind == "body_leaf":
        path = data.draw(st.sampled_from(list(_leaves(body))), label="leaf")
        original = body
        for step in path:
            original = original[step]
        body = _replace(body, path, _hostile_leaf(data, original, in_url=False))
    elif kind == "query_leaf":
        name = data.draw(st.sampled_from(sorted(query)), label="query name")
        query[name] = str(_hostile_leaf(data, query[name], in_url=True))
    elif kind == "unknown_query":
        query["x_" + data.draw(st.sampled_from(["colour", "debug", "limit2"]), label="unknown")] = "1"
    if kind == "deep_json":
        raw = ('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}").encode()
    elif kind == "long_number_literal":
        raw = ('{"client_id": "x", "value": ' + "9" * 5000 + "}").encode()
    else:
        raw = None if body is None else json.dumps(body).encode("utf-8", "surrogatepass")
    return query, raw, kind


@schema.parametrize()
@schema.given(data=st.data())
# Generated cases only: the description's own examples take no `data` to spoil (schemathesis refuses
# to combine them with `given`), and the positive fuzz test already sends them.
@settings(
    max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, phases=[Phase.generate]
)
def test_hostile_input_is_refused_by_name_and_stores_nothing(case, data, client, world):
    path_parameters = {name: world["ids"].get(name, value) for name, value in (case.path_parameters or {}).items()}
    path = case.path
    for name, value in path_parameters.items():
        path = path.replace("{" + name + "}", str(value))
    query, raw, kind = _spoil(case, data)
    headers = {}
    if case.path != "/api/v1/auth/logout":  # logging out would revoke the token for the next examples
        headers["Authorization"] = "Bearer " + world["patient" if case.path.startswith("/api/v1/me") else "staff"]
    before = _row_counts()
    response = client.open(
        path,
        method=case.method.upper(),
        query_string=query,
        data=raw,
        headers=headers,
        content_type="application/json" if raw is not None else None,
    )
    assert response.status_code < 500, (kind, response.status_code, response.get_data(as_text=True)[:300])
    assert 400 <= response.status_code < 500, (kind, case.method, path, response.status_code)
    assert _row_counts() == before, (kind, case.method, path, response.status_code)
    if response.status_code in (400, 422) and response.is_json and kind != "deep_json":
        if response.json.get("resourceType") == "OperationOutcome":  # FHIR endpoints: a location per field
            assert any(issue.get("location") for issue in response.json["issue"]), (kind, path, response.json)
        else:
            assert response.json["error"].get("fields"), (kind, case.method, path, response.json)
