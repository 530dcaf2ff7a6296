"""Commands: users create, demo."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, EnrollmentCode, Patient, Report, StaffUser


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_users_create_makes_a_staff_user_who_can_log_in(app, client, make_center):
    center = make_center()
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.org",
            "--password",
            "long-enough-pw",
            "--role",
            "nurse",
            "--center",
            str(center.id),
            "--phone",
            "+1 617 555 0142",
            "--name",
            "New Nurse",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "new@example.org"))
    assert (user.role, user.phone, user.center_id) == ("nurse", "+16175550142", center.id)
    login = client.post("/api/v1/auth/login", json={"email": "new@example.org", "password": "long-enough-pw"})
    assert login.status_code == 200


def test_users_create_refuses_bad_input(app, make_center):
    center = make_center()
    runner = app.test_cli_runner()
    base = ["users", "create", "--email", "a@example.org", "--role", "nurse"]
    assert runner.invoke(args=[*base, "--password", "short", "--center", str(center.id)]).exit_code != 0
    assert runner.invoke(args=[*base, "--password", "long-enough-pw"]).exit_code != 0  # nurse without centre
    assert (
        runner.invoke(
            args=[*base, "--password", "long-enough-pw", "--center", str(center.id), "--phone", "123"]
        ).exit_code
        != 0
    )
    refused = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "ward.nurse.one@example.org",
            "--role",
            "nurse",
            "--password",
            "ward.nurse.one",
            "--center",
            str(center.id),
        ]
    )
    assert refused.exit_code != 0 and "part of the email" in refused.output
    assert _count(StaffUser) == 0


def test_demo_is_idempotent_and_prints_logins_and_codes(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = [_count(m) for m in (Patient, StaffUser, EnrollmentCode, Report, Alert)]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert [_count(m) for m in (Patient, StaffUser, EnrollmentCode, Report, Alert)] == counts
    assert "nurse@vigil.demo" in second.output
    assert "DEMOA-100001" in second.output
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": "nurse@vigil.demo", "password": "vigil-demo-password"}
        ).status_code
        == 200
    )
    assert client.post("/api/v1/auth/enroll", json={"code": "DEMOA-100001"}).status_code == 200
