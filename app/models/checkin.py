from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.rules.types import Level
from app.states import CheckInState, values
from app.timesource import utcnow

CHECK_IN_STATES = values(CheckInState)


class CheckIn(Model):
    """A scheduled check-in. `next_action_at` is when the clock must look at it next (reminder,
    second reminder, missed), so the sweep reads only what is due (index below)."""

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("patient_id", "due_at", name="uq_check_ins_patient_due"),
        Index("ix_check_ins_state_next_action", "state", "next_action_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phase: Mapped[str] = mapped_column(String(64), default="")
    asks: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["vitals", "neuro", "symptoms"]
    # The phase's level for a missed check-in.
    missed_level: Mapped[str] = mapped_column(String(16), default=Level.URGENT.label, server_default="urgent")
    state: Mapped[str] = mapped_column(String(16), default=CheckInState.PENDING)
    ladder_step: Mapped[int] = mapped_column(default=0)  # 0 none, 1 reminded, 2 second, 3 alerted
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A back-pointer without a foreign key: reports already point at check-ins, and a cycle of
    # foreign keys would make inserts and migrations order-dependent.
    completed_report_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
