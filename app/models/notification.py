from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Model
from app.models.types import UTCDateTime
from app.states import NotificationState, values
from app.timesource import utcnow

# The states and their order are described on NotificationState.
NOTIFICATION_STATES = values(NotificationState)
CHANNELS = ("sms", "push", "call")


class Notification(Model):
    """The outbox: one outgoing SMS. Written in the same transaction as the change that causes
    it; the dispatcher claims it (compare-and-set on state, with a lease) and records every try.
    `dedupe_key` is unique so a retried request or a re-run step can never queue a twin."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_state_due", "state", "due_at"),
        # Sweeps over pages (unconfirmed, stuck) must not read every reminder ever sent.
        Index("ix_notifications_purpose_state_sent", "purpose", "state", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    purpose: Mapped[str] = mapped_column(String(24))  # page, ack_notice, patient_notice, reminder...
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    to_phone: Mapped[str] = mapped_column(String(20))
    # How it goes: sms; push to the patient's app (falls back to sms, and then says
    # sms); call (a voice call of a page). Set when queued, corrected to what was really used.
    channel: Mapped[str] = mapped_column(String(8), default="sms", server_default="sms")
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=NotificationState.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set with each claim; finishing a send must present it, so a worker whose lease expired
    # (and whose row another worker re-claimed) cannot overwrite the newer attempt's outcome.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(default=0)
    # Indexed, not unique: Twilio's SIDs are unique, but a stand-in may answer with one example SID.
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(16))
    escalation_step: Mapped[int | None] = mapped_column()
    escalation_round: Mapped[int | None] = mapped_column()
    callback_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempts_log: Mapped[list["DeliveryAttempt"]] = relationship(
        order_by="DeliveryAttempt.id", cascade="all, delete-orphan"
    )


class DeliveryAttempt(Model):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(String(16))  # AttemptResult
    channel: Mapped[str] = mapped_column(String(8), default="sms", server_default="sms")  # of this attempt
    provider_sid: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(500))
