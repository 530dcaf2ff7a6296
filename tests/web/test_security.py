"""CSRF on every form (not on the bearer-token API), security headers, cookie flags."""

from __future__ import annotations

from flask import Flask

from app.extensions import db
from app.models import Alert
from app.web.security import _cookie_must_be_secure
from tests.personas import report_body
from tests.web.conftest import csrf_from


def _urgent_alert(client, make_patient, center) -> Alert:
    patient = make_patient(center)
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patient.headers
    )
    assert response.status_code == 201  # the JSON API needs no CSRF token: it uses bearer tokens
    return db.session.query(Alert).filter_by(patient_id=patient.id).one()


def test_a_form_without_its_csrf_token_is_refused(client, make_center, make_staff, make_patient, web_sign_in):
    center = make_center()
    alert = _urgent_alert(client, make_patient, center)
    web_sign_in(make_staff("nurse", center))
    for path, data in (
        (f"/alerts/{alert.id}/ack", {}),
        (f"/alerts/{alert.id}/resolve", {"disposition": "false_alarm"}),
        (f"/alerts/{alert.id}/ack", {"csrf_token": "forged"}),
        ("/sign-out", {}),
    ):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "security token was missing or had expired" in response.get_data(as_text=True)
        assert response.mimetype == "text/html"
    assert db.session.get(Alert, alert.id).status == "open"
    assert client.get("/").status_code == 200  # still signed in: the forged sign-out did nothing


def test_sign_in_without_a_csrf_token_is_refused(client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    response = client.post("/sign-in", data={"email": nurse.email, "password": "x"})
    assert response.status_code == 400


def test_the_same_form_with_its_token_works(client, make_center, make_staff, make_patient, web_sign_in):
    center = make_center()
    alert = _urgent_alert(client, make_patient, center)
    web_sign_in(make_staff("nurse", center))
    token = csrf_from(client.get(f"/alerts/{alert.id}").get_data(as_text=True))
    assert client.post(f"/alerts/{alert.id}/ack", data={"csrf_token": token}).status_code == 302
    assert db.session.get(Alert, alert.id).status == "acknowledged"


def test_pages_carry_security_headers(client, make_center, make_staff, web_sign_in):
    web_sign_in(make_staff("nurse", make_center()))
    for path in ("/", "/sign-in", "/patients", "/web/static/vigil.css", "/c/not-a-token"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_session_cookies_are_secure_outside_tests_and_local_http():
    def app_with(**config) -> Flask:
        app = Flask("x")
        app.config.update(config)
        return app

    assert _cookie_must_be_secure(app_with(PUBLIC_BASE_URL="https://vigil.example.org"))
    assert _cookie_must_be_secure(app_with(PUBLIC_BASE_URL="http://vigil.example.org"))
    assert not _cookie_must_be_secure(app_with(PUBLIC_BASE_URL="http://localhost:5000"))
    assert not _cookie_must_be_secure(app_with(TESTING=True, PUBLIC_BASE_URL="https://vigil.example.org"))


def test_pages_use_no_inline_script_or_external_asset(client, make_center, make_staff, web_sign_in):
    web_sign_in(make_staff("clinician", make_center()))
    for path in ("/", "/patients", "/protocols", "/sign-in"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "http://" not in html and "https://" not in html, path
        assert "style=" not in html, path
