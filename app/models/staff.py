from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.base import Model
from app.models.center import Center
from app.models.types import UTCDateTime
from app.timesource import utcnow

ROLES = ("admin", "clinician", "nurse")


class StaffUser(Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    # An admin with a centre administers that centre only; an admin without one is a platform
    # administrator: every centre, each of their reads audited as a platform read.
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164, for pages and ACK
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Set when deactivated: tokens, sessions and SMS ACK stop, rosters forget them.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Replied STOP: Twilio will refuse sends to this phone until START.
    sms_opted_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    center: Mapped[Center | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_platform_admin(self) -> bool:
        return self.role == "admin" and self.center_id is None

    def can_see_center(self, center_id: int | None) -> bool:
        # A platform administrator oversees every centre; everyone else only their own.
        return self.is_platform_admin or (center_id is not None and self.center_id == center_id)
