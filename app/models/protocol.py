from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.protocols.settings import ProtocolSettings
from app.timesource import utcnow


class Protocol(Model):
    """One immutable version of a monitoring protocol; a change is a new row with version + 1.

    `family` groups the versions ("us-cd19"); `content` holds restrictions, phases and thresholds.
    A row without a centre is a shipped template: read-only, shared by every centre. A centre's
    own versions (`center_id`) are seen, used and made default by that centre only.
    """

    __tablename__ = "protocols"
    __table_args__ = (UniqueConstraint("family", "version", name="uq_protocols_family_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(2))
    products: Mapped[list] = mapped_column(JSON, default=list)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    # None: a shipped template. Otherwise the centre that owns this version.
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id"), index=True)
    # On a template: the shipped default for its products and jurisdiction. On a centre's version:
    # that centre's choice of default for its products (the newest such version wins per product).
    is_default: Mapped[bool] = mapped_column(default=False)
    # Retired versions stay for history (alerts point at them) but are not offered any more. A
    # version is only ever superseded by one of the same owner (a template by a template).
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("protocols.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def settings(self) -> ProtocolSettings:
        """The content parsed once into typed settings (app/protocols/settings.py). A version's
        content never changes once stored, so the parse is kept on the row; it is redone only if
        `content` is replaced (a new object), e.g. on a row not yet saved."""
        cached = self.__dict__.get("_settings_cache")
        if cached is None or cached[0] is not self.content:
            cached = (self.content, ProtocolSettings.parse(self.content))
            self.__dict__["_settings_cache"] = cached
        return cached[1]
