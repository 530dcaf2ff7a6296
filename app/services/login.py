"""Staff sign-in, one rule for the API and the web page.

An unknown email must not be told apart from a real one: it costs the same password hash (a
dummy one), and it is counted and locked like an account, so "too many failed sign-ins" after
five tries says nothing about whether the email exists. Unknown emails are counted under a keyed
hash, never stored in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import ApiToken, LoginFailure, StaffUser
from app.services.errors import ForbiddenError, NotAuthenticatedError
from app.services.tokens import issue_token
from app.timesource import utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
LOCKED = f"Too many failed sign-ins; try again in {LOCKOUT.seconds // 60} minutes."
WRONG_CREDENTIALS = "Email or password is wrong."


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]  # the same cost as a real account's hash
    key = f"vigil_dummy_password_hash:{method}"
    if key not in current_app.extensions:
        current_app.extensions[key] = generate_password_hash("not-a-password-of-anyone", method=method)
    return current_app.extensions[key]


def _digest(email: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), email.encode(), hashlib.sha256).hexdigest()


def _counter(email: str, user: StaffUser | None):
    """The row whose failed_logins / locked_until count for this email: the account, or a stand-in."""
    if user is not None:
        return user
    digest = _digest(email)
    row = db.session.scalar(select(LoginFailure).where(LoginFailure.email_digest == digest))
    return row or LoginFailure(email_digest=digest, failed_logins=0)


def attempt(email: str, password: str, now: datetime | None = None) -> tuple[StaffUser | None, str | None]:
    """(user, None) on success, else (None, "locked" | "wrong"); failures counted either way."""
    now = now or utcnow()
    email = email.strip().lower()
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
    counter = _counter(email, user)
    if counter.locked_until and counter.locked_until > now:
        return None, "locked"
    # Always one hash, whether or not the email exists or the account is active.
    matches = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None or not user.active or not matches:
        _count_failure(counter, now)
        if counter.id is None:
            db.session.add(counter)
        try:
            db.session.commit()
        except IntegrityError:
            # Two first failures for one unknown email at once (two workers): the other request
            # inserted its row; count this failure on that row instead of answering a 500.
            db.session.rollback()
            counter = _counter(email, None)
            _count_failure(counter, now)
            db.session.commit()
        return None, "wrong"
    user.failed_logins = 0
    return user, None


def sign_in(email: str, password: str) -> StaffUser:
    """The staff member these credentials name, or ForbiddenError (locked) / NotAuthenticatedError (wrong)."""
    user, refused = attempt(email, password)
    if refused == "locked":  # unknown emails lock the same way: this says nothing about who exists
        raise ForbiddenError(LOCKED, code="account_locked")
    if user is None:
        raise NotAuthenticatedError(WRONG_CREDENTIALS, code="invalid_credentials")
    return user


def issue_staff_token(user: StaffUser) -> tuple[str, ApiToken]:
    """A shift's token (STAFF_TOKEN_HOURS), for the API's bearer or the web page's session."""
    return issue_token(staff_id=user.id, lifetime=timedelta(hours=current_app.config["STAFF_TOKEN_HOURS"]))


def _count_failure(counter, now: datetime) -> None:  # noqa: ANN001 - a StaffUser or a LoginFailure
    counter.failed_logins = (counter.failed_logins or 0) + 1
    if counter.failed_logins >= MAX_FAILED_LOGINS:
        counter.locked_until, counter.failed_logins = now + LOCKOUT, 0
