"""Contract tests: the served OpenAPI description linted with Redocly, and clients
generated from it (openapi-typescript + openapi-fetch, openapi-python-client) driving a live server.

The tools come from scripts/install-contract-tools.sh (npm and a venv of their own under .cache);
the `tools` fixture (tests/support/fixtures.py) runs it, so a fresh machine installs them on the first run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import timesource
from app.models import Center
from tests.personas import patient_body
from tests.support.faults import WebWorkers, process_env, request


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[WebWorkers]:
    """`gunicorn wsgi:app` on the test database, its PUBLIC_BASE_URL its own address."""
    timesource.set_fixed(None)  # the server reads the wall clock, so the test does too
    web = WebWorkers({}, tmp_path / "web.log", workers=1)
    web.env = process_env(database_url, {"SMS_BACKEND": "log"}, PUBLIC_BASE_URL=web.url)
    web.start()
    yield web
    web.stop()


@pytest.fixture
def served_spec(live_server: WebWorkers, tmp_path: Path) -> Path:
    status, body = request("GET", live_server.url, "/api/v1/openapi.json")[:2]
    assert status == 200
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(body) if isinstance(body, dict) else body)
    return path


@pytest.fixture
def enrollment_code(client: FlaskClient, make_center: Callable[..., Center], make_staff, login) -> str:
    """A code a nurse issued for a patient infused two days ago (so a fever is urgent)."""
    center = make_center()
    nurse = make_staff("nurse", center)
    created = client.post("/api/v1/patients", json=patient_body(center), headers=login(nurse))
    assert created.status_code == 201, created.json
    return created.json["enrollment_code"]
