from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.timesource import utcnow

JURISDICTIONS = ("US", "EU", "UK")


class Center(Model):
    __tablename__ = "centers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. America/New_York
    jurisdiction: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(20))  # 24/7 CAR T line, E.164
    # Daytime hours (centre's local time) for same-day pages, which never wake anyone.
    day_starts: Mapped[str] = mapped_column(String(5), default="08:00")
    day_ends: Mapped[str] = mapped_column(String(5), default="18:00")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The hospital's own identifier system for its MRNs (FHIR Identifier.system), set by its admins
    # so an EHR matches exported Patients to its records; None: Vigil's default per centre.
    mrn_system: Mapped[str | None] = mapped_column(String(255))
