from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Model
from app.models.center import Center
from app.models.protocol import Protocol
from app.models.types import UTCDateTime
from app.states import PatientStatus, values
from app.timesource import utcnow

PRODUCTS = ("kymriah", "yescarta", "tecartus", "breyanzi", "abecma", "carvykti", "aucatzyl")
PRODUCT_TARGET = {  # docs/clinical-rules.md D2 (product labels)
    "kymriah": "CD19",
    "yescarta": "CD19",
    "tecartus": "CD19",
    "breyanzi": "CD19",
    "aucatzyl": "CD19",
    "abecma": "BCMA",
    "carvykti": "BCMA",
}
PRODUCT_DISPLAY = {p: p.capitalize() for p in PRODUCTS}
LANGUAGES = ("en", "es")
PATIENT_STATUSES = values(PatientStatus)
CHANNELS = ("app", "sms")


class Patient(Model):
    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("center_id", "mrn", name="uq_patients_center_mrn"),
        # The schedule sweep reads only patients whose materialised horizon runs short.
        Index("ix_patients_status_schedule_until", "status", "schedule_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    mrn: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(16))
    infused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    caregiver_name: Mapped[str | None] = mapped_column(String(200))
    caregiver_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default=PatientStatus.ACTIVE, index=True)
    channel: Mapped[str] = mapped_column(String(8), default="app")  # "sms": no smartphone
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocols.id"))
    # Day-0 baseline values (R20): systolic_bp, heart_rate, spo2, ice_score, weight_kg.
    baseline: Mapped[dict] = mapped_column(JSON, default=dict)
    sms_opted_out: Mapped[bool] = mapped_column(default=False)  # the patient's own phone replied STOP
    # The caregiver's phone replied STOP: only their texts stop; the patient's go on.
    caregiver_sms_opted_out: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Check-ins exist as rows up to here (a rolling horizon, not months of rows).
    schedule_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the next restriction ends (the patient is told that day); milestones already told.
    next_milestone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    milestones_done: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # Check-ins due before this are excused (e.g. the patient is back in hospital): no reminders,
    # no missed-check-in alerts; set by staff, with the reason they gave.
    check_ins_excused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_ins_excused_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    center: Mapped[Center] = relationship()
    protocol: Mapped[Protocol] = relationship()

    @property
    def target(self) -> str:
        return PRODUCT_TARGET[self.product]


class EnrollmentCode(Model):
    """A one-time code a patient's phone trades for a token.

    The code reads `LOOKUP-SECRET`: the lookup part finds the row, so wrong secrets can be counted
    against it and the row locks after too many; only a hash of the secret is stored.
    """

    __tablename__ = "enrollment_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wrong_tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient: Mapped[Patient] = relationship()
