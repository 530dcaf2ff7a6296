"""Signed check-in links for patients without the app.

The reminder SMS carries `PUBLIC_BASE_URL/c/<token>`: no password, so the token itself is the
credential. It names one check-in and its patient, is signed with SECRET_KEY (a changed byte
fails the signature) and stops working when the check-in's window ends. The window end is read
from the database, not from the token, so a check-in that is cancelled, excused or moved cannot
be answered through an old link either.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import db
from app.models import CheckIn

SALT = "check-in-link"  # a token signed for another purpose with the same key does not load here
PATH = "/c/"  # short: the link shares a 160-character SMS with the reminder text


class CheckInLinkError(Exception):
    """Why a link was refused: "invalid" (tampered, unknown) or "expired" (window over)."""

    def __init__(self, reason: str, check_in: CheckIn | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.check_in = check_in  # set for "expired", so the page can speak the patient's language


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(check_in: CheckIn) -> str:
    # A list, not a dict: every character counts in an SMS.
    return _serializer().dumps([check_in.id, check_in.patient_id])


def make_link(check_in: CheckIn) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + PATH + make_token(check_in)


def load_check_in(token: str, now: datetime) -> CheckIn:
    """The check-in the token names; CheckInLinkError when tampered or after its window."""
    try:
        payload = _serializer().loads(token)
    except BadSignature as exc:  # also covers malformed base64 and bad timestamps
        raise CheckInLinkError("invalid") from exc
    if not (isinstance(payload, list) and len(payload) == 2 and all(type(v) is int for v in payload)):
        raise CheckInLinkError("invalid")
    check_in = db.session.get(CheckIn, payload[0])
    if check_in is None or check_in.patient_id != payload[1]:
        raise CheckInLinkError("invalid")
    if now >= check_in.window_ends_at:
        raise CheckInLinkError("expired", check_in)
    return check_in
