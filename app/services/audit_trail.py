"""Reading the audit trail: a centre's admin sees the events about its patients and those of its
own staff that name no patient; a platform administrator sees everything."""

from __future__ import annotations

from sqlalchemy import Select, select

from app.models import AuditEvent, Patient, StaffUser
from app.services.access import patient_for_staff

FILTERS = ("patient_id", "actor_type", "actor_id", "action")


def audit_query(staff: StaffUser, args: dict) -> Select:
    """The events `staff` may read, newest first, filtered by `args` (FILTERS, `since`, `until`).
    A centre's admin naming another centre's patient gets NotFoundError, as everywhere."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if not staff.is_platform_admin:  # a centre's admin: events about its patients or by its staff
        if "patient_id" in args:
            patient_for_staff(staff, args["patient_id"])
        patients = select(Patient.id).where(Patient.center_id == staff.center_id)
        colleagues = select(StaffUser.id).where(StaffUser.center_id == staff.center_id)
        query = query.where(
            AuditEvent.patient_id.in_(patients)
            | (
                AuditEvent.patient_id.is_(None)
                & (AuditEvent.actor_type == "staff")
                & AuditEvent.actor_id.in_(colleagues)
            )
        )
    for key in FILTERS:
        if key in args:
            query = query.where(getattr(AuditEvent, key) == args[key])
    if "since" in args:
        query = query.where(AuditEvent.at >= args["since"])
    if "until" in args:
        query = query.where(AuditEvent.at < args["until"])
    return query
