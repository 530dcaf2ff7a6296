"""Staff accounts: deactivation by an admin."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from app.api.errors import ApiError
from app.api.security import current_staff, requires
from app.extensions import db
from app.models import StaffUser
from app.schemas.common import StrictSchema
from app.services.access import staff_for_admin
from app.services.deactivation import deactivate
from app.timesource import utcnow

blp = Blueprint("staff", __name__, url_prefix="/api/v1/staff", description="Staff accounts")


class DeactivatedSchema(StrictSchema):
    id = fields.Integer()
    email = fields.String()
    role = fields.String()
    center_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    deactivated_at = fields.AwareDateTime(allow_none=True)
    warnings = fields.List(fields.String(), metadata={"description": "rosters left empty; their admins were texted"})


def load_staff_for_admin(staff_id: int) -> StaffUser:
    """A centre's admin manages their centre's staff; a platform administrator everyone. 404
    otherwise, so a centre never learns who works elsewhere."""
    return staff_for_admin(current_staff(), staff_id)


@blp.route("/<int(max=2147483647):staff_id>/deactivate")
class Deactivate(MethodView):
    @requires("admin")
    @blp.response(200, DeactivatedSchema)
    def post(self, staff_id):
        """Deactivate a staff member (their centre's admins, or a platform administrator).

        Their tokens and web sessions stop at once, an `ACK` from their phone no longer acknowledges
        anything, and they leave every on-call roster and escalation step (a step left naming nobody
        pages the centre's admins; the admins are texted when a roster becomes empty). Nothing is
        deleted: what they did stays in the audit trail. 404 for staff of another centre, 409 for
        an account already deactivated or your own."""
        user = load_staff_for_admin(staff_id)
        if user.id == current_staff().id:
            raise ApiError(409, "You cannot deactivate yourself.", code="self_deactivation")
        if not user.active:
            raise ApiError(409, "This account is already deactivated.", code="already_inactive")
        warnings = deactivate(user, utcnow())
        db.session.commit()
        return {
            **{k: getattr(user, k) for k in ("id", "email", "role", "center_id", "active", "deactivated_at")},
            "warnings": warnings,
        }
