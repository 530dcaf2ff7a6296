"""Smaller leaks: a sign-in for an unknown email costs a password hash like a
real one and locks like a real one; HSTS when the public address is https; a CSP on the docs page."""

from __future__ import annotations

import base64
import hashlib
import re
import statistics
import time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LoginFailure
from tests.personas import PASSWORD


@pytest.fixture
def real_hashing(app):
    """Production's password hash (scrypt, ~100 ms) instead of the tests' fast one."""
    saved = app.config["PASSWORD_HASH_METHOD"]
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    yield
    app.config["PASSWORD_HASH_METHOD"] = saved


def _seconds(client, email: str) -> float:
    started = time.perf_counter()
    response = client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password-1"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 401
    return elapsed


def test_an_unknown_email_costs_a_password_hash_like_a_real_one(client, make_center, make_staff, real_hashing):
    nurse = make_staff("nurse", make_center())  # created with scrypt
    _seconds(client, "warm-up@example.org")  # the dummy hash is made once per process
    known, unknown = [], []
    for i in range(4):  # fewer than five: no lockout on the way
        known.append(_seconds(client, nurse.email))
        unknown.append(_seconds(client, f"nobody{i}@example.org"))
    # Without the dummy hash an unknown email answers ~30 times faster (a query, no hash).
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)


def test_a_lockout_does_not_tell_unknown_emails_from_real_ones(client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    answers = {}
    for email in (nurse.email, "nobody@example.org"):
        for _ in range(5):
            assert (
                client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password-1"}).status_code
                == 401
            )
        sixth = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        answers[email] = (sixth.status_code, sixth.json["error"])
    assert (
        answers[nurse.email]
        == answers["nobody@example.org"]
        == (403, {"code": "account_locked", "message": "Too many failed sign-ins; try again in 15 minutes."})
    )
    stored = db.session.scalars(select(LoginFailure.email_digest)).all()
    assert len(stored) == 1 and "nobody" not in stored[0]  # counted under a keyed hash, not the address


@pytest.mark.parametrize(("base", "expected"), [("https://vigil.example.org", True), ("http://localhost:5000", False)])
def test_hsts_only_when_the_public_address_is_https(app, client, base, expected):
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = base
    try:
        for path in ("/api/v1/openapi.json", "/sign-in"):
            header = client.get(path).headers.get("Strict-Transport-Security")
            assert (header == "max-age=31536000; includeSubDomains") if expected else header is None
    finally:
        app.config["PUBLIC_BASE_URL"] = saved


def test_the_docs_page_has_a_csp_allowing_only_its_own_script(client):
    response = client.get("/api/v1/docs")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    inline = re.search(r"<script>(.*?)</script>", response.get_data(as_text=True), re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
