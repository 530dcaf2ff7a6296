from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model
from app.models.types import UTCDateTime
from app.rules.types import Level
from app.timesource import utcnow


class Report(Model):
    """One symptom/vitals report, stored as received (raw temperature and unit kept) and graded.

    (patient_id, client_id) is unique: a retried upload finds the original instead of a twin.
    Vitals are columns (charts, FHIR, dry-runs read them); answer blocks are JSON.
    """

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("patient_id", "client_id", name="uq_reports_patient_client"),
        Index("ix_reports_patient_recorded", "patient_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))  # tells a retry from a conflicting reuse
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_by: Mapped[str] = mapped_column(String(16), default="patient")
    source: Mapped[str] = mapped_column(String(8), default="app")  # app, staff, web, sms
    entered_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id"))

    temperature_c: Mapped[float | None] = mapped_column(Float)
    temperature_raw: Mapped[float | None] = mapped_column(Float)
    temperature_unit: Mapped[str | None] = mapped_column(String(1))  # "C" or "F" as entered
    heart_rate: Mapped[float | None] = mapped_column(Float)
    systolic_bp: Mapped[float | None] = mapped_column(Float)
    diastolic_bp: Mapped[float | None] = mapped_column(Float)
    spo2: Mapped[float | None] = mapped_column(Float)
    respiratory_rate: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    symptoms: Mapped[dict] = mapped_column(JSON, default=dict)
    neuro: Mapped[dict] = mapped_column(JSON, default=dict)
    signs: Mapped[dict] = mapped_column(JSON, default=dict)
    ice_score: Mapped[int | None] = mapped_column()
    antipyretic_in_last_6h: Mapped[bool] = mapped_column(default=False)
    # Vitals answered "can't measure", names from app.rules.types.NOT_MEASURABLE;
    # a vital not in it and without a value was simply not asked or not answered.
    not_measured: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    note: Mapped[str | None] = mapped_column(Text)
    partial: Mapped[bool] = mapped_column(default=False)  # an SMS conversation that timed out

    # Grading result; `graded` false means the engine failed and a human must review.
    level: Mapped[str] = mapped_column(String(16), default=Level.ROUTINE.label)
    graded: Mapped[bool] = mapped_column(default=True)
    assessment: Mapped[dict] = mapped_column(JSON, default=dict)
    protocol_id: Mapped[int | None] = mapped_column(ForeignKey("protocols.id"))
    # Back-pointer to the alert this report opened or grew; alerts.opening_report_id is the FK.
    alert_id: Mapped[int | None] = mapped_column(index=True)
