"""Deactivating a staff member: a person who left must stop being able to act, and
must stop being someone the chain counts on.

In one transaction: the account is marked inactive (their next API call, web page or `ACK` by
SMS finds nobody), every token they hold is revoked (web sessions carry one too), messages still
waiting in the outbox for them are cancelled, and they leave
every roster: their on-call shifts end now (future ones are removed) and every escalation step
naming them forgets them. A step left naming nobody pages the centre's admins instead (a chain
never runs a silent step), and when a roster becomes empty the centre's admins are warned by
SMS, with an audit event, so a person can put someone back.
"""

from __future__ import annotations

import copy
from datetime import datetime

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import ApiToken, Center, EscalationPolicy, Notification, NotificationState, OnCallShift, StaffUser
from app.notify.gsm import to_gsm7
from app.services import audit, outbox
from app.services.escalation import _read_on_call, center_admins


class AlreadyInactiveError(ValueError):
    pass


def deactivate(user: StaffUser, now: datetime) -> list[str]:
    """Deactivate `user`; returns the warnings sent (one line per emptied roster)."""
    if not user.active:
        raise AlreadyInactiveError(user.email)
    user.active, user.deactivated_at = False, now
    db.session.execute(
        update(ApiToken).where(ApiToken.staff_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    # Pages still waiting in the outbox for them would carry patients' details to someone who left.
    db.session.execute(
        update(Notification)
        .where(Notification.staff_id == user.id, Notification.state == NotificationState.PENDING)
        .values(state=NotificationState.CANCELLED, final_at=now)
        .execution_options(synchronize_session=False)
    )
    warnings = [*_leave_on_call(user, now), *_leave_policies(user, now)]
    audit.record("staff.deactivate", target_type="staff", target_id=user.id, details={"rosters_emptied": len(warnings)})
    return warnings


def _leave_on_call(user: StaffUser, now: datetime) -> list[str]:
    shifts = db.session.scalars(
        select(OnCallShift).where(
            OnCallShift.staff_id == user.id, (OnCallShift.ends_at.is_(None)) | (OnCallShift.ends_at > now)
        )
    ).all()
    centers = sorted({s.center_id for s in shifts})
    db.session.execute(delete(OnCallShift).where(OnCallShift.staff_id == user.id, OnCallShift.starts_at > now))
    for shift in shifts:
        if shift.starts_at <= now:
            shift.ends_at = now
    db.session.flush()
    warnings = []
    for center_id in centers:
        if not _read_on_call(center_id, now):
            warnings.append(
                _warn(
                    center_id, "on_call", now, "nobody is on call now; the chain pages the admins until a roster is set"
                )
            )
    return warnings


def _leave_policies(user: StaffUser, now: datetime) -> list[str]:
    warnings = []
    for row in db.session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.id)):
        content, emptied = copy.deepcopy(row.content), []
        for level, chain in content.items():
            for i, step in enumerate(chain["steps"]):
                if user.id not in step["notify"]:
                    continue
                step["notify"] = [t for t in step["notify"] if t != user.id]
                if not step["notify"]:
                    step["notify"] = ["admins"]  # never a step that pages nobody
                    emptied.append(f"{level} step {i + 1}")
        if content != row.content:
            row.content, row.updated_at = content, now  # a new dict: the JSON column sees the change
            audit.record(
                "escalation_policy.update",
                target_type="center",
                target_id=row.center_id,
                details={"reason": "staff_deactivated", "staff_id": user.id},
            )
        if emptied:
            warnings.append(
                _warn(
                    row.center_id, "escalation", now, f"{', '.join(emptied)} named only them and now pages the admins"
                )
            )
    return warnings


def _warn(center_id: int, roster: str, now: datetime, what: str) -> str:
    center = db.session.get_one(Center, center_id)
    text = to_gsm7(
        f"VIGIL WARNING ({center.name}): a deactivated staff member left the {roster.replace('_', '-')} "
        f"roster: {what}. Check the rosters."
    )
    for admin in center_admins(center_id):
        if admin.phone and admin.active:
            outbox.queue(
                dedupe_key=f"roster-empty:{center_id}:{roster}:{now.isoformat()}:{admin.id}",
                purpose="roster_warning",
                to_phone=admin.phone,
                body=text,
                now=now,
                staff_id=admin.id,
            )
    audit.record("roster.emptied", target_type="center", target_id=center_id, details={"roster": roster})
    return text
