from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.timesource import utcnow


class AckFailure(Model):
    """One `ACK <code>` from a staff phone that named no alert it could acknowledge. Counted per
    phone over the last hour, in the database, so guessing codes is limited whatever the worker."""

    __tablename__ = "sms_ack_failures"
    __table_args__ = (Index("ix_sms_ack_failures_phone_at", "phone", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
