"""Pytest fixtures for the Twilio stand-in, importable from any conftest.

Session scope: one Prism (about 2 s to start, ~170 MB) serving the derived spec, and one
recording proxy in front of it. Function scope (`twilio_api`): the proxy with no rules and
no records, and Prism running again if a test took it down.

To share them with every test package, the root conftest can declare
`pytest_plugins = ["tests.support.fixtures"]`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.prism import (
    TWILIO_SPEC,
    PrismServer,
    start_prism,
    write_derived_spec,
)
from tests.support.twilio_proxy import TwilioProxy

# Prism checks the AccountSid path pattern (^AC[0-9a-fA-F]{32}$) and Basic auth presence.
TEST_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TEST_AUTH_TOKEN = "test-auth-token-not-secret"  # noqa: S105 - only for the stand-in
TEST_FROM_NUMBER = "+15017122661"


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrismServer]:
    workdir = tmp_path_factory.mktemp("prism")
    spec = write_derived_spec(TWILIO_SPEC, workdir / "twilio_api_v2010.errors.json")
    server = start_prism(spec, log_path=workdir / "prism.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def twilio_proxy(prism: PrismServer) -> Iterator[TwilioProxy]:
    proxy = TwilioProxy(prism.url).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def twilio_api(prism: PrismServer, twilio_proxy: TwilioProxy) -> Iterator[TwilioProxy]:
    """The Twilio API as the app sees it (point TWILIO_API_BASE_URL at `.url`); clean
    for each test."""
    prism.start()  # no-op unless an outage test stopped it
    twilio_proxy.reset()
    yield twilio_proxy
    twilio_proxy.reset()


@pytest.fixture
def twilio_config(twilio_api: TwilioProxy) -> dict[str, str]:
    """App configuration that sends through the stand-in."""
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": TEST_FROM_NUMBER,
        "TWILIO_API_BASE_URL": twilio_api.url,
    }


@pytest.fixture(scope="session")
def fcm_standin(tmp_path_factory: pytest.TempPathFactory):
    """The FCM v1 and OAuth token stand-in, with a service-account key generated for this run."""
    from tests.support.fcm import FcmStandIn, write_service_account

    stand_in = FcmStandIn().start()
    stand_in.key_file = write_service_account(stand_in, tmp_path_factory.mktemp("fcm") / "service-account.json")
    try:
        yield stand_in
    finally:
        stand_in.stop()


@pytest.fixture
def fcm(fcm_standin):
    fcm_standin.reset()
    yield fcm_standin
    fcm_standin.reset()


@pytest.fixture
def fcm_config(fcm) -> dict[str, str]:
    """App configuration that pushes through the real firebase-admin SDK to the stand-in."""
    from tests.support.fcm import PROJECT_ID

    return {
        "PUSH_BACKEND": "fcm",
        "FCM_CREDENTIALS_FILE": str(fcm.key_file),
        "FCM_PROJECT_ID": PROJECT_ID,
        "FCM_API_BASE_URL": fcm.url,
    }


@pytest.fixture(scope="session")
def tools() -> Path:
    """The contract tools' folder (scripts/install-contract-tools.sh: Redocly, openapi-typescript,
    openapi-fetch, tsc, FHIR.js, openapi-python-client), installed on first use."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "install-contract-tools.sh"
    done = subprocess.run([str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())
