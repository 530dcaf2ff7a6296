from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.timesource import utcnow


class InboundMessage(Model):
    """Twilio's MessageSid of every inbound SMS handled: Twilio retries a webhook it thinks failed,
    and a replayed one must change nothing (a second STOP alert, a second answer to a question)."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginFailure(Model):
    """Failed sign-ins for an email that names no account, counted like an account's own so a
    lockout does not reveal which emails exist. Keyed by an HMAC of the email."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_digest: Mapped[str] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
