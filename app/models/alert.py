from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, SQLColumnExpression, String, Text, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.dialect import partial_index_where
from app.models.base import Model
from app.models.patient import Patient
from app.models.types import UTCDateTime
from app.rules.types import Level
from app.states import AlertStatus, EscalationState, values
from app.timesource import utcnow

ALERT_STATUSES = values(AlertStatus)
DISPOSITIONS = ("advice_given", "seen_in_clinic", "sent_to_ed", "admitted", "false_alarm", "other")
LEVELS = Level.labels()
# What opened an alert; the description's `kind` enum (a new kind must be added here).
ALERT_KINDS = ("report", "grading_failed", "missed_check_in", "sms_opt_out")


class Alert(Model):
    """What the care team must act on. One open (not resolved) alert per patient: new findings
    are appended and the level only goes up. The assessment, protocol version, thresholds that
    fired and the escalation chain are snapshots, so later edits never rewrite history."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_center_status", "center_id", "status"),
        Index("ix_alerts_patient_status", "patient_id", "status"),
        Index("ix_alerts_escalation_due", "escalation_state", "next_step_at"),
        # The database itself keeps "one active alert per patient", even for concurrent reports.
        Index(
            "uq_alerts_one_active_per_patient",
            "patient_id",
            unique=True,
            **partial_index_where("status != 'resolved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"))
    kind: Mapped[str] = mapped_column(String(32), default="report")  # report, missed_check_in, grading_failed, ...
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN)
    level: Mapped[str] = mapped_column(String(16))
    findings: Mapped[list] = mapped_column(JSON, default=list)
    assessment: Mapped[dict] = mapped_column(JSON, default=dict)
    thresholds_snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("protocols.id"))
    protocol_version: Mapped[int | None] = mapped_column()
    opening_report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    ack_code: Mapped[str] = mapped_column(String(8), index=True)  # "ACK 4821" in pages
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    upgraded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    upgrade_count: Mapped[int] = mapped_column(default=0)  # the paging seam re-pages on change

    # Escalation (filled by the paging service): frozen chain, where it is, when it moves next.
    escalation_snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    escalation_state: Mapped[str] = mapped_column(String(24), default=EscalationState.PENDING)
    escalation_step: Mapped[int] = mapped_column(default=0)
    escalation_round: Mapped[int] = mapped_column(default=0)
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fence: Mapped[int] = mapped_column(default=0)  # bumps on every escalation change (CAS guard)

    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    disposition: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(Text)

    patient: Mapped[Patient] = relationship()
    events: Mapped[list["AlertEvent"]] = relationship(
        back_populates="alert", order_by="AlertEvent.id", cascade="all, delete-orphan"
    )


class AlertEvent(Model):
    """The alert's timeline: opened, finding added, upgraded, paged, acknowledged, resolved..."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    alert: Mapped[Alert] = relationship(back_populates="events")


def most_serious_first(level: SQLColumnExpression[str]) -> ColumnElement[int]:
    """An ORDER BY key over a stored level column: emergency first, routine (or unknown) last,
    built from `Level` so SQL sorts as the rules engine ranks."""
    top = max(Level)
    return case({lvl.label: top - lvl for lvl in Level}, value=level, else_=int(top))
