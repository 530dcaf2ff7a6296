"""The audit trail, for admins (issue 8)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from app.api.security import requires
from app.extensions import db
from app.models import AuditEvent
from app.schemas.common import AwareDateTime, QueryId, StrictSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Who read or changed what")


class AuditArgs(StrictSchema):
    patient_id = QueryId()
    actor_type = fields.String(validate=validate.OneOf(("staff", "patient", "system", "anonymous")))
    actor_id = QueryId()
    action = fields.String(validate=validate.Length(max=64))
    since = AwareDateTime()
    until = AwareDateTime()
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


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
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(args["limit"])
        for key in ("patient_id", "actor_type", "actor_id", "action"):
            if key in args:
                query = query.where(getattr(AuditEvent, key) == args[key])
        if "since" in args:
            query = query.where(AuditEvent.at >= args["since"])
        if "until" in args:
            query = query.where(AuditEvent.at < args["until"])
        return db.session.scalars(query).all()
