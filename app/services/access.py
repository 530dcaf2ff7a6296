"""What a staff member may see: their own centre's patients, alerts, protocol versions and
staff (a platform administrator: every centre's). One rule for the API and the web pages.

Another centre's row is answered exactly like a missing one (NotFoundError), so a centre never learns
that another centre's ids exist.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select

from app.extensions import db
from app.models import Alert, Center, Patient, Protocol, StaffUser
from app.services.errors import NotFoundError
from app.services.protocols import staff_may_see

Query = TypeVar("Query", bound=Select[Any])


def in_own_center(staff: StaffUser, query: Query, center_column: Any) -> Query:  # noqa: ANN401 - a column
    """`query` narrowed to the staff member's centre (a platform administrator's: untouched)."""
    return query if staff.is_platform_admin else query.where(center_column == staff.center_id)


def patient_for_staff(staff: StaffUser, patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None or not staff.can_see_center(patient.center_id):
        raise NotFoundError("Patient not found.", subject="patient")
    return patient


def alert_for_staff(staff: StaffUser, alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None or not staff.can_see_center(alert.center_id):
        raise NotFoundError("Alert not found.", subject="alert")
    return alert


def protocol_for_staff(staff: StaffUser, protocol_id: int) -> Protocol:
    """A shipped template, or a version of a centre the caller may see."""
    protocol = db.session.get(Protocol, protocol_id)
    if protocol is None or not staff_may_see(staff, protocol):
        raise NotFoundError("Protocol not found.", subject="protocol")
    return protocol


def center_for_staff(staff: StaffUser, center_id: int) -> Center:
    center = db.session.get(Center, center_id)
    if center is None or not staff.can_see_center(center_id):
        raise NotFoundError("Centre not found.", subject="centre")
    return center


def staff_for_admin(admin: StaffUser, staff_id: int) -> StaffUser:
    """A centre's admin manages their centre's staff; a platform administrator everyone."""
    user = db.session.get(StaffUser, staff_id)
    if user is None or not (
        admin.is_platform_admin or (user.center_id is not None and user.center_id == admin.center_id)
    ):
        raise NotFoundError("Staff member not found.", subject="staff")
    return user
