"""Care centres."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from app.api.errors import ApiError
from app.api.security import current_staff, requires
from app.extensions import db
from app.models import Center
from app.schemas.center import CenterCreateSchema, CenterOutSchema, CenterPatchSchema
from app.services import audit

blp = Blueprint("centers", __name__, url_prefix="/api/v1/centers", description="Care centres")


def load_center_for_staff(center_id: int) -> Center:
    center = db.session.get(Center, center_id)
    if center is None or not current_staff().can_see_center(center_id):
        raise ApiError(404, "Centre not found.")
    return center


@blp.route("")
class Centers(MethodView):
    @requires("staff")
    @blp.response(200, CenterOutSchema(many=True))
    def get(self):
        """Centres the caller may see."""
        query = select(Center).order_by(Center.id)
        staff = current_staff()
        if staff.role != "admin":
            query = query.where(Center.id == staff.center_id)
        return db.session.scalars(query).all()

    @requires("admin")
    @blp.arguments(CenterCreateSchema)
    @blp.response(201, CenterOutSchema)
    def post(self, data):
        """Create a centre (admin)."""
        center = Center(**data)
        db.session.add(center)
        db.session.flush()
        audit.record("center.create", target_type="center", target_id=center.id)
        db.session.commit()
        return center


@blp.route("/<int(max=2147483647):center_id>")
class CenterItem(MethodView):
    @requires("staff")
    @blp.response(200, CenterOutSchema)
    def get(self, center_id):
        """One centre."""
        return load_center_for_staff(center_id)

    @requires("admin")
    @blp.arguments(CenterPatchSchema)
    @blp.response(200, CenterOutSchema)
    def patch(self, data, center_id):
        """Change the centre's name, care-team phone or daytime hours (its admins)."""
        center = load_center_for_staff(center_id)
        changed = sorted(k for k, v in data.items() if getattr(center, k) != v)
        for key in changed:
            setattr(center, key, data[key])
        audit.record("center.update", target_type="center", target_id=center.id, details={"fields": changed})
        db.session.commit()
        return center
