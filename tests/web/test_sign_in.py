"""Staff sign-in on the web: session cookie, the API's lockout, sign-out that really ends it."""

from __future__ import annotations

from app.extensions import db
from app.models import ApiToken, AuditEvent
from tests.personas import PASSWORD
from tests.web.conftest import csrf_from


def _post_sign_in(client, email: str, password: str):
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def test_it_sends_strangers_to_the_sign_in_page(client):
    response = client.get("/patients")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/patients"
    assert client.get("/queue/rows").status_code == 401  # the polling script reloads on this


def test_it_signs_in_with_a_session_cookie_and_goes_back_where_it_was(client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    token = csrf_from(client.get("/sign-in?next=/patients").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": nurse.email.upper(), "password": PASSWORD, "csrf_token": token, "next": "/patients"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/patients"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # testing over plain HTTP; see test_security for production
    assert client.get("/patients").status_code == 200
    event = db.session.query(AuditEvent).filter_by(action="staff.sign_in").one()
    assert (event.actor_type, event.actor_id, event.details) == ("staff", nurse.id, {"via": "web"})


def test_it_refuses_a_next_that_leaves_the_site(client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": nurse.email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/"


def test_it_locks_the_account_after_five_wrong_passwords_like_the_api(client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    for _ in range(5):
        response = _post_sign_in(client, nurse.email, "wrong-password-123")
        assert response.status_code == 401
        assert "Email or password is wrong." in response.get_data(as_text=True)
    response = _post_sign_in(client, nurse.email, PASSWORD)
    assert response.status_code == 401
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    api = client.post("/api/v1/auth/login", json={"email": nurse.email, "password": PASSWORD})
    assert api.status_code == 403  # one lock for both doors


def test_sign_out_revokes_the_token_so_a_copied_cookie_dies_too(client, app, make_center, make_staff, web_sign_in):
    nurse = make_staff("nurse", make_center())
    web_sign_in(nurse)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/").status_code == 200
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    assert copied.get("/").status_code == 302  # the old cookie no longer signs anyone in
    assert db.session.query(ApiToken).filter(ApiToken.revoked_at.is_not(None)).count() == 1


def test_a_disabled_account_is_signed_out_at_its_next_request(client, make_center, make_staff, web_sign_in):
    nurse = make_staff("nurse", make_center())
    web_sign_in(nurse)
    nurse.active = False
    db.session.commit()
    assert client.get("/").status_code == 302
