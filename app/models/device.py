from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.timesource import utcnow

PLATFORMS = ("android", "ios")


class Device(Model):
    """The patient's app as a push target: one per patient (the phone they signed in on last).
    A registration replaces the previous one; sign-out, re-enrollment, token revocation and FCM
    saying the token is gone delete it, and messages fall back to SMS."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    platform: Mapped[str] = mapped_column(String(8))
    token: Mapped[str] = mapped_column(Text)  # the FCM registration token: a secret, never logged
    app_version: Mapped[str] = mapped_column(String(32))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last push FCM accepted
