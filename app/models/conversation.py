from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.states import ConversationState
from app.timesource import utcnow


class SmsConversation(Model):
    """An SMS check-in in progress: the questions still to ask, the answers so far (as the report
    body the app would send), and when it times out (the check-in window's end)."""

    __tablename__ = "sms_conversations"
    __table_args__ = (Index("ix_sms_conversations_state_expires", "state", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id"))
    state: Mapped[str] = mapped_column(String(16), default=ConversationState.ACTIVE)
    questions: Mapped[list] = mapped_column(JSON, default=list)  # keys still to ask; the first is asked now
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {"vitals": {...}, "neuro": {...}, ...}
    answered: Mapped[list] = mapped_column(JSON, default=list)  # keys answered or skipped, in order
    retries: Mapped[int] = mapped_column(default=0)  # not-understood replies to the current question
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
