"""A centre's escalation policy and on-call roster."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.centers import load_center_for_staff
from app.api.security import current_staff, requires
from app.extensions import db
from app.schemas.escalation import OnCallOutSchema, OnCallSchema, PolicyOutSchema, PolicySchema
from app.services import audit
from app.services.escalation_admin import policy_view, replace_policy, replace_roster, roster_view
from app.timesource import utcnow

blp = Blueprint("escalation", __name__, url_prefix="/api/v1/centers", description="Escalation and on-call")


@blp.route("/<int(max=2147483647):center_id>/escalation-policy")
class Policy(MethodView):
    @requires("staff")
    @blp.response(200, PolicyOutSchema)
    def get(self, center_id):
        """The chains in force (the centre's own, or the safe default)."""
        return policy_view(load_center_for_staff(center_id))

    @requires("admin", "clinician")
    @blp.arguments(PolicySchema)
    @blp.response(200, PolicyOutSchema)
    def put(self, data, center_id):
        """Replace the centre's chains; alerts already open keep the chain they started with."""
        center = load_center_for_staff(center_id)
        replace_policy(center, data, current_staff(), utcnow())
        audit.record("escalation_policy.update", target_type="center", target_id=center.id)
        db.session.commit()
        return policy_view(center)


@blp.route("/<int(max=2147483647):center_id>/on-call")
class OnCall(MethodView):
    @requires("staff")
    @blp.response(200, OnCallOutSchema)
    def get(self, center_id):
        """Who is on call now, and the roster from now on."""
        return roster_view(load_center_for_staff(center_id), utcnow())

    @requires("admin", "nurse")
    @blp.arguments(OnCallSchema)
    @blp.response(200, OnCallOutSchema)
    def put(self, data, center_id):
        """Replace the roster from now on: `staff_ids` (on call from now until replaced) or dated `entries`
        (times without an offset are the centre's local time). Past shifts are kept as history."""
        center = load_center_for_staff(center_id)
        replace_roster(center, data, utcnow())
        audit.record("on_call.update", target_type="center", target_id=center.id)
        db.session.commit()
        return roster_view(center, utcnow())
