"""A centre's escalation policy and on-call roster."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import delete, select

from app.api.centers import load_center_for_staff
from app.api.errors import ApiError
from app.api.security import current_staff, requires
from app.extensions import db
from app.models import Center, EscalationPolicy, OnCallShift, StaffUser
from app.schemas.escalation import OnCallOutSchema, OnCallSchema, PolicyOutSchema, PolicySchema
from app.services import audit
from app.services.escalation import on_call_staff, policy_for
from app.timesource import utcnow

blp = Blueprint("escalation", __name__, url_prefix="/api/v1/centers", description="Escalation and on-call")


def _check_staff_ids(center: Center, ids: set[int], field: str) -> None:
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
        raise ApiError(422, f"Not valid: {field}", fields={field: [f"Not staff of this centre: {missing}."]})


def _check_reachable(ids: set[int], field: str) -> None:
    """A roster names only people a page can reach: a phone, and no STOP texted."""
    unreachable = sorted(
        db.session.scalars(
            select(StaffUser.id).where(
                StaffUser.id.in_(ids), (StaffUser.phone.is_(None)) | (StaffUser.phone == "") | StaffUser.sms_opted_out
            )
        )
    )
    if unreachable:
        raise ApiError(
            422, f"Not valid: {field}", fields={field: [f"Cannot be paged (no phone, or texted STOP): {unreachable}."]}
        )


def _policy_view(center: Center) -> dict:
    row = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.center_id == center.id))
    policy, source = policy_for(center.id)
    return {"center_id": center.id, "source": source, "policy": policy, "updated_at": row.updated_at if row else None}


@blp.route("/<int(max=2147483647):center_id>/escalation-policy")
class Policy(MethodView):
    @requires("staff")
    @blp.response(200, PolicyOutSchema)
    def get(self, center_id):
        """The chains in force (the centre's own, or the safe default)."""
        return _policy_view(load_center_for_staff(center_id))

    @requires("admin", "clinician")
    @blp.arguments(PolicySchema)
    @blp.response(200, PolicyOutSchema)
    def put(self, data, center_id):
        """Replace the centre's chains; alerts already open keep the chain they started with."""
        center = load_center_for_staff(center_id)
        chains = [data["urgent"], data["emergency"]]  # beside them: call_language
        ids = {t for chain in chains for step in chain["steps"] for t in step["notify"] if isinstance(t, int)}
        _check_staff_ids(center, ids, "steps.notify")
        row = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.center_id == center.id))
        if row is None:
            row = EscalationPolicy(center_id=center.id)
            db.session.add(row)
        row.content, row.updated_at, row.updated_by_id = data, utcnow(), current_staff().id
        audit.record("escalation_policy.update", target_type="center", target_id=center.id)
        db.session.commit()
        return _policy_view(center)


def _as_utc(value: datetime, tz: str) -> datetime:
    local = value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC"))


def _roster_view(center: Center) -> dict:
    now = utcnow()
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
            raise ApiError(422, "Not valid: entries", fields={f"entries.{i}.ends_at": ["Must be after starts_at."]})
        shifts.append(OnCallShift(center_id=center.id, staff_id=entry["staff_id"], starts_at=starts, ends_at=ends))
    return shifts


@blp.route("/<int(max=2147483647):center_id>/on-call")
class OnCall(MethodView):
    @requires("staff")
    @blp.response(200, OnCallOutSchema)
    def get(self, center_id):
        """Who is on call now, and the roster from now on."""
        return _roster_view(load_center_for_staff(center_id))

    @requires("admin", "nurse")
    @blp.arguments(OnCallSchema)
    @blp.response(200, OnCallOutSchema)
    def put(self, data, center_id):
        """Replace the roster from now on: `staff_ids` (on call from now until replaced) or dated `entries`
        (times without an offset are the centre's local time). Past shifts are kept as history."""
        center = load_center_for_staff(center_id)
        now = utcnow()
        new = _entries(data, center, now)
        field = "staff_ids" if "staff_ids" in data else "entries"
        _check_staff_ids(center, {s.staff_id for s in new}, field)
        _check_reachable({s.staff_id for s in new}, field)
        db.session.execute(delete(OnCallShift).where(OnCallShift.center_id == center.id, OnCallShift.starts_at > now))
        for shift in db.session.scalars(
            select(OnCallShift).where(
                OnCallShift.center_id == center.id, (OnCallShift.ends_at.is_(None)) | (OnCallShift.ends_at > now)
            )
        ):
            shift.ends_at = now
        db.session.add_all(new)
        audit.record("on_call.update", target_type="center", target_id=center.id)
        db.session.commit()
        return _roster_view(center)
