"""Care centres."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from app.api.errors import ApiError
from app.api.pagination import page
from app.api.security import current_staff, requires
from app.extensions import db
from app.fhir.common import mrn_system
from app.models import Center
from app.schemas.center import CenterCreateSchema, CenterListArgs, CenterOutSchema, CenterPatchSchema
from app.services import audit
from app.services.access import center_for_staff, in_own_center

blp = Blueprint("centers", __name__, url_prefix="/api/v1/centers", description="Care centres")


def load_center_for_staff(center_id: int) -> Center:
    return center_for_staff(current_staff(), center_id)


@blp.route("")
class Centers(MethodView):
    @requires("staff")
    @blp.arguments(CenterListArgs, location="query")
    @blp.response(200, CenterOutSchema(many=True))
    def get(self, args):
        """Centres the caller may see."""
        query = in_own_center(current_staff(), select(Center).order_by(Center.id), Center.id)
        return [_out(c) for c in page(query, args)]

    @requires("admin")
    @blp.arguments(CenterCreateSchema)
    @blp.response(201, CenterOutSchema)
    def post(self, data):
        """Create a centre (platform administrators: an admin without a centre)."""
        if not current_staff().is_platform_admin:
            raise ApiError(403, "Only a platform administrator may create centres.")
        center = Center(**data)
        db.session.add(center)
        db.session.flush()
        audit.record("center.create", target_type="center", target_id=center.id)
        db.session.commit()
        return _out(center)


def _out(center: Center) -> dict:
    return {
        **{
            c: getattr(center, c)
            for c in ("id", "name", "timezone", "jurisdiction", "phone", "day_starts", "day_ends", "created_at")
        },
        "mrn_system": mrn_system(center),
    }


@blp.route("/<int(max=2147483647):center_id>")
class CenterItem(MethodView):
    @requires("staff")
    @blp.response(200, CenterOutSchema)
    def get(self, center_id):
        """One centre."""
        return _out(load_center_for_staff(center_id))

    @requires("admin")
    @blp.arguments(CenterPatchSchema)
    @blp.response(200, CenterOutSchema)
    def patch(self, data, center_id):
        """Change the centre's name, care-team phone, daytime hours or the MRN identifier system its
        FHIR exports carry (its admins; the phone can be replaced, never removed)."""
        center = load_center_for_staff(center_id)
        changed = sorted(k for k, v in data.items() if getattr(center, k) != v)
        for key in changed:
            setattr(center, key, data[key])
        audit.record("center.update", target_type="center", target_id=center.id, details={"fields": changed})
        db.session.commit()
        return _out(center)
