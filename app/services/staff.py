"""Staff accounts."""

from __future__ import annotations

from app.extensions import db
from app.models import StaffUser

MIN_PASSWORD_LENGTH = 10  # NIST SP 800-63B asks for at least 8; staff accounts see health data


class PasswordPolicyError(ValueError):
    pass


def check_password_policy(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.lower() in email.lower():
        raise PasswordPolicyError("password may not be part of the email")


def create_staff(
    *, email: str, password: str, role: str, center_id: int | None, phone: str | None = None, name: str = ""
) -> StaffUser:
    check_password_policy(password, email)
    user = StaffUser(email=email.lower(), role=role, center_id=center_id, phone=phone, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
