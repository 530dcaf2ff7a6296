"""Gathering one patient's rows for the builders (the only module here that reads the database)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Alert, Center, Notification, Patient, Protocol, Report, StaffUser


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    center: Center
    protocol: Protocol
    reports: list[Report]  # oldest first
    alerts: list[Alert]  # oldest first
    pages: list[Notification]  # purpose "page" (texts) and "call", oldest first
    # Looked up with an event's or a page's staff id, None when no person acted (the system did):
    # None is never a key, so such a lookup finds no name.
    staff_names: dict[int | None, str] = field(default_factory=dict)

    @property
    def reports_by_id(self) -> dict[int, Report]:
        return {r.id: r for r in self.reports}

    def pages_of(self, alert: Alert) -> list[Notification]:
        return [n for n in self.pages if n.alert_id == alert.id]


def _staff_names(alerts: list[Alert], pages: list[Notification]) -> dict[int | None, str]:
    ids = {n.staff_id for n in pages} | {e.staff_id for a in alerts for e in a.events}
    ids.discard(None)
    if not ids:
        return {}
    rows = db.session.scalars(select(StaffUser).where(StaffUser.id.in_(ids))).all()
    return {u.id: u.name or u.email for u in rows}


def load_record(patient: Patient) -> PatientRecord:
    reports = db.session.scalars(
        select(Report).where(Report.patient_id == patient.id).order_by(Report.recorded_at, Report.id)
    ).all()
    alerts = db.session.scalars(
        select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.opened_at, Alert.id)
    ).all()
    alert_ids = [a.id for a in alerts]
    pages = (
        db.session.scalars(
            select(Notification)
            .where(Notification.alert_id.in_(alert_ids), Notification.purpose.in_(("page", "call")))  # texts and calls
            .order_by(Notification.id)
        ).all()
        if alert_ids
        else []
    )
    center = db.session.get(Center, patient.center_id)
    protocol = db.session.get(Protocol, patient.protocol_id)
    # Both are non-null foreign keys of the patient, so the rows exist.
    assert center is not None and protocol is not None
    return PatientRecord(
        patient=patient,
        center=center,
        protocol=protocol,
        reports=list(reports),
        alerts=list(alerts),
        pages=list(pages),
        staff_names=_staff_names(list(alerts), list(pages)),
    )
