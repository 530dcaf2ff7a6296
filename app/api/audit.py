"""The audit trail, for admins: a centre's admin sees its own centre's events."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.api.pagination import page
from app.api.security import current_staff, requires
from app.schemas.common import AwareDateTime, QueryId, StrictSchema, page_fields
from app.services.audit_trail import audit_query

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Who read or changed what")


class AuditArgs(StrictSchema):
    patient_id = QueryId()
    actor_type = fields.String(validate=validate.OneOf(("staff", "patient", "system", "anonymous")))
    actor_id = QueryId()
    action = fields.String(validate=validate.Length(max=64))
    since = AwareDateTime()
    until = AwareDateTime()
    locals().update(page_fields(500, 5000))


class AuditEventSchema(StrictSchema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor_type = fields.String()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    patient_id = fields.Integer(allow_none=True)
    target_type = fields.String(allow_none=True)
    target_id = fields.Integer(allow_none=True)
    remote_addr = fields.String(allow_none=True)
    details = fields.Dict()


@blp.route("")
class Audit(MethodView):
    @requires("admin")
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, args):
        """Audit events, newest first: every read of a patient's health data and every change."""
        return page(audit_query(current_staff(), args), args)
