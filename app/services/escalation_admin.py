"""A centre's escalation policy and on-call roster as its admins see and replace them.

The chains themselves (their format, how a step runs) are app/escalation/ and
app/services/escalation.py's; this module only reads and stores the centre's choices.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from app.extensions import db
from app.models import Center, EscalationPolicy, OnCallShift, StaffUser
from app.services.errors import InvalidError
from app.services.escalation import on_call_staff, policy_for


def check_staff_ids(center: Center, ids: set[int], field: str) -> None:
    """Every id names an active staff member of the centre (or a platform administrator)."""
    found = set(
        db.session.scalars(
            select(StaffUser.id).where(
                StaffUser.id.in_(ids),
                StaffUser.active.is_(True),
                (StaffUser.center_id == center.id) | (StaffUser.center_id.is_(None)),
            )
        )
    )
    missing = sorted(ids - found)
    if missing:
        raise InvalidError(f"Not valid: {field}", fields={field: [f"Not staff of this centre: {missing}."]})


def check_reachable(ids: set[int], field: str) -> None:
    """A roster names only people a page can reach: a phone, and no STOP texted."""
    unreachable = sorted(
        db.session.scalars(
            select(StaffUser.id).where(
                StaffUser.id.in_(ids), (StaffUser.phone.is_(None)) | (StaffUser.phone == "") | StaffUser.sms_opted_out
            )
        )
    )
    if unreachable:
        raise InvalidError(
            f"Not valid: {field}", fields={field: [f"Cannot be paged (no phone, or texted STOP): {unreachable}."]}
        )


def policy_view(center: Center) -> dict:
    """The chains in force: the centre's own, or the safe default."""
    row = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.center_id == center.id))
    policy, source = policy_for(center.id)
    return {"center_id": center.id, "source": source, "policy": policy, "updated_at": row.updated_at if row else None}


def replace_policy(center: Center, content: dict, staff: StaffUser, now: datetime) -> None:
    """Store the centre's chains (checked: every step names the centre's staff). Alerts already
    open keep the chain they started with."""
    chains = [content["urgent"], content["emergency"]]  # beside them: call_language
    ids = {t for chain in chains for step in chain["steps"] for t in step["notify"] if isinstance(t, int)}
    check_staff_ids(center, ids, "steps.notify")
    row = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.center_id == center.id))
    if row is None:
        row = EscalationPolicy(center_id=center.id)
        db.session.add(row)
    row.content, row.updated_at, row.updated_by_id = content, now, staff.id


def _as_utc(value: datetime, tz: str) -> datetime:
    local = value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC"))


def roster_view(center: Center, now: datetime) -> dict:
    """Who is on call now, and the roster from now on."""
    query = (
        select(OnCallShift, StaffUser.name)
        .join(StaffUser, StaffUser.id == OnCallShift.staff_id)
        .where(OnCallShift.center_id == center.id, (OnCallShift.ends_at.is_(None)) | (OnCallShift.ends_at > now))
        .order_by(OnCallShift.starts_at)
    )
    shifts = db.session.execute(query).all()
    return {
        "center_id": center.id,
        "on_call_now": [s.id for s in on_call_staff(center.id, now)],
        "shifts": [
            {"staff_id": s.staff_id, "staff_name": name, "starts_at": s.starts_at, "ends_at": s.ends_at}
            for s, name in shifts
        ],
    }


def _entries(data: dict, center: Center, now: datetime) -> list[OnCallShift]:
    if "staff_ids" in data:
        return [OnCallShift(center_id=center.id, staff_id=i, starts_at=now, ends_at=None) for i in data["staff_ids"]]
    shifts = []
    for i, entry in enumerate(data["entries"]):
        starts, ends = _as_utc(entry["starts_at"], center.timezone), entry.get("ends_at")
        ends = _as_utc(ends, center.timezone) if ends else None
        if ends is not None and ends <= starts:
            raise InvalidError("Not valid: entries", fields={f"entries.{i}.ends_at": ["Must be after starts_at."]})
        shifts.append(OnCallShift(center_id=center.id, staff_id=entry["staff_id"], starts_at=starts, ends_at=ends))
    return shifts


def replace_roster(center: Center, data: dict, now: datetime) -> None:
    """Replace the roster from now on: `staff_ids` (on call from now until replaced) or dated
    `entries` (times without an offset are the centre's local time). Past shifts stay as history."""
    new = _entries(data, center, now)
    field = "staff_ids" if "staff_ids" in data else "entries"
    check_staff_ids(center, {s.staff_id for s in new}, field)
    check_reachable({s.staff_id for s in new}, field)
    db.session.execute(delete(OnCallShift).where(OnCallShift.center_id == center.id, OnCallShift.starts_at > now))
    for shift in db.session.scalars(
        select(OnCallShift).where(
            OnCallShift.center_id == center.id, (OnCallShift.ends_at.is_(None)) | (OnCallShift.ends_at > now)
        )
    ):
        shift.ends_at = now
    db.session.add_all(new)
