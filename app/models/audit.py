from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.timesource import utcnow


class AuditEvent(Model):
    """Append-only record of who read or changed what, when and from where. Never updated."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_patient_at", "patient_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(16))  # staff, patient, system, anonymous
    actor_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(64))  # e.g. patient.read, patient.create
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column()
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _append_only(_mapper, _connection, target: AuditEvent) -> None:  # noqa: ANN001
    raise ValueError(f"audit events are append-only (event {target.id})")
