"""Staff login, patient enrollment codes, token expiry and revocation."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent
from tests.personas import PASSWORD, bearer, patient_body


def test_it_logs_staff_in_and_returns_user(client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    response = client.post("/api/v1/auth/login", json={"email": nurse.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    assert response.json["user"] == {
        "id": nurse.id,
        "email": nurse.email,
        "name": nurse.name,
        "role": "nurse",
        "center_id": nurse.center_id,
    }
    assert response.json["access_token"].startswith("vg_")


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    wrong = client.post("/api/v1/auth/login", json={"email": nurse.email, "password": "nope-nope-nope"})
    unknown = client.post("/api/v1/auth/login", json={"email": "who@example.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["error"]["message"] == unknown.json["error"]["message"]


def test_it_locks_an_account_after_five_failed_logins(client, make_center, make_staff, frozen_clock):
    nurse = make_staff("nurse", make_center())
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"email": nurse.email, "password": "wrong-password!"})
    locked = client.post("/api/v1/auth/login", json={"email": nurse.email, "password": PASSWORD})
    assert locked.status_code == 403
    assert locked.json["error"]["code"] == "account_locked"
    frozen_clock.advance(minutes=16)
    assert client.post("/api/v1/auth/login", json={"email": nurse.email, "password": PASSWORD}).status_code == 200


def _new_code(client, login, make_staff, center) -> str:
    created = client.post("/api/v1/patients", json=patient_body(center), headers=login(make_staff("nurse", center)))
    assert created.status_code == 201, created.json
    return created.json["enrollment_code"]


def test_an_enrollment_code_works_once(client, login, make_center, make_staff):
    center = make_center()
    code = _new_code(client, login, make_staff, center)
    first = client.post("/api/v1/auth/enroll", json={"code": code})
    assert first.status_code == 200
    assert first.json["patient"]["mrn"].startswith("MRN-")
    again = client.post("/api/v1/auth/enroll", json={"code": code})
    assert again.status_code == 401
    assert again.json["error"]["code"] == "code_expired"


def test_the_sixth_wrong_try_is_refused_even_with_the_right_code(client, login, make_center, make_staff):
    code = _new_code(client, login, make_staff, make_center())
    lookup, secret = code.split("-")
    wrong = f"{lookup}-{(int(secret) + 1) % 10**6:06d}"
    for _ in range(5):
        assert client.post("/api/v1/auth/enroll", json={"code": wrong}).status_code == 401
    refused = client.post("/api/v1/auth/enroll", json={"code": code})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "code_locked"


def test_four_wrong_tries_still_leave_the_right_code_working(client, login, make_center, make_staff):
    code = _new_code(client, login, make_staff, make_center())
    lookup, secret = code.split("-")
    for _ in range(4):
        client.post("/api/v1/auth/enroll", json={"code": f"{lookup}-{(int(secret) + 7) % 10**6:06d}"})
    assert client.post("/api/v1/auth/enroll", json={"code": code}).status_code == 200


def test_an_enrollment_code_expires_after_72_hours(client, login, make_center, make_staff, frozen_clock):
    code = _new_code(client, login, make_staff, make_center())
    frozen_clock.advance(hours=72, seconds=1)
    response = client.post("/api/v1/auth/enroll", json={"code": code})
    assert response.status_code == 401


def test_a_new_code_replaces_the_old_one(client, login, make_center, make_staff):
    center = make_center()
    nurse_headers = login(make_staff("nurse", center))
    created = client.post("/api/v1/patients", json=patient_body(center), headers=nurse_headers)
    reissued = client.post(f"/api/v1/patients/{created.json['id']}/enrollment-code", headers=nurse_headers)
    assert reissued.status_code == 201
    assert client.post("/api/v1/auth/enroll", json={"code": created.json["enrollment_code"]}).status_code == 401
    assert client.post("/api/v1/auth/enroll", json={"code": reissued.json["enrollment_code"]}).status_code == 200


def test_an_expired_token_gets_401(client, make_center, make_staff, login, frozen_clock):
    headers = login(make_staff("nurse", make_center()))
    assert client.get("/api/v1/patients", headers=headers).status_code == 200
    frozen_clock.advance(hours=12, seconds=1)
    response = client.get("/api/v1/patients", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_patient_token_lasts_120_days_then_gets_401(client, login, make_center, make_staff, frozen_clock):
    code = _new_code(client, login, make_staff, make_center())
    headers = bearer(client.post("/api/v1/auth/enroll", json={"code": code}).json["access_token"])
    frozen_clock.advance(days=120, seconds=-1)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    frozen_clock.advance(seconds=2)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_logout_revokes_the_presented_token_only(client, make_center, make_staff, login):
    nurse = make_staff("nurse", make_center())
    kept, revoked = login(nurse), login(nurse)
    assert client.post("/api/v1/auth/logout", headers=revoked).status_code == 200
    assert client.get("/api/v1/patients", headers=revoked).status_code == 401
    assert client.get("/api/v1/patients", headers=kept).status_code == 200


def test_a_patient_can_log_out_its_phone(client, make_center, make_patient):
    patient = make_patient(make_center())
    assert client.post("/api/v1/auth/logout", headers=patient.headers).status_code == 200
    assert client.get("/api/v1/me", headers=patient.headers).status_code == 401


def test_garbage_tokens_get_401(client):
    for header in ({"Authorization": "Bearer nonsense"}, {"Authorization": "Basic abc"}, bearer("vg_" + "x" * 43), {}):
        assert client.get("/api/v1/me", headers=header).status_code == 401


def test_login_is_rate_limited(app, client, make_center, make_staff):
    nurse = make_staff("nurse", make_center())
    from app.extensions import limiter

    app.config["AUTH_RATE_LIMIT"] = "10/minute"
    limiter.reset()
    try:
        statuses = [
            client.post("/api/v1/auth/login", json={"email": nurse.email, "password": "x"}).status_code
            for _ in range(11)
        ]
    finally:
        app.config["AUTH_RATE_LIMIT"] = "1000/minute"
        limiter.reset()
    assert statuses[-1] == 429
    assert 429 not in statuses[:10]


def test_enrollment_is_rate_limited_with_a_clear_answer(app, client):
    from app.extensions import limiter

    app.config["AUTH_RATE_LIMIT"] = "5/minute"
    limiter.reset()
    try:
        answers = [client.post("/api/v1/auth/enroll", json={"code": f"WRONG{i:03d}"}) for i in range(6)]
    finally:
        app.config["AUTH_RATE_LIMIT"] = "1000/minute"
        limiter.reset()
    assert [a.status_code for a in answers[:5]].count(429) == 0
    limited = answers[-1]
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "rate_limited" and limited.json["error"]["message"]
    assert int(limited.headers["Retry-After"]) > 0


def test_passwords_are_stored_only_as_salted_hashes(make_center, make_staff):
    from app.models import StaffUser

    first, second = make_staff("nurse", make_center()), make_staff("nurse", make_center())
    hashes = [db.session.get(StaffUser, s.id).password_hash for s in (first, second)]
    assert PASSWORD not in hashes[0] and hashes[0].startswith(("scrypt:", "pbkdf2:"))
    assert hashes[0] != hashes[1]  # same password, different salt


def test_enrollment_is_audited(client, login, make_center, make_staff):
    code = _new_code(client, login, make_staff, make_center())
    client.post("/api/v1/auth/enroll", json={"code": code})
    count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "patient.enroll"))
    assert count == 1
