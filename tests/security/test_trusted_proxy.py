"""Behind a reverse proxy (TRUSTED_PROXY_HOPS), the client named in X-Forwarded-For is the one
rate-limited and audited; without it the header is ignored, so a client cannot forge its way
around a limit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db, limiter
from app.models import AuditEvent
from config import TestingConfig

CLIENT_A, CLIENT_B = "203.0.113.5", "198.51.100.7"


def _logins(client, email: str, forwarded_for: str, n: int) -> list[int]:
    return [
        client.post(
            "/api/v1/auth/login",
            json={"email": email, "password": "wrong-password!"},
            headers={"X-Forwarded-For": forwarded_for},
        ).status_code
        for _ in range(n)
    ]


@pytest.fixture
def proxied(app):
    behind = create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        TRUSTED_PROXY_HOPS=1,
        AUTH_RATE_LIMIT="2/minute",
    )
    limiter.reset()
    yield behind
    limiter.reset()


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit_and_audit_address(
    proxied, make_center, make_staff, make_patient, login
):
    center = make_center()
    email = make_staff("nurse", center).email
    browser = proxied.test_client()
    assert _logins(browser, email, CLIENT_A, 3) == [401, 401, 429]
    assert _logins(browser, email, CLIENT_B, 1) == [401]  # another client behind the same proxy

    patient = make_patient(center)
    headers = {**login(make_staff("clinician", center)), "X-Forwarded-For": CLIENT_B}
    assert browser.get(f"/api/v1/patients/{patient.id}", headers=headers).status_code == 200
    read = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patient.read"))
    assert read.remote_addr == CLIENT_B


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(app, client, make_center, make_staff):
    email = make_staff("nurse", make_center()).email
    app.config["AUTH_RATE_LIMIT"] = "2/minute"
    limiter.reset()
    try:
        statuses = [_logins(client, email, forged, 1)[0] for forged in (CLIENT_A, CLIENT_B, "192.0.2.1")]
    finally:
        app.config["AUTH_RATE_LIMIT"] = "1000/minute"
        limiter.reset()
    assert statuses == [401, 401, 429]
