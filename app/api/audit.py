"""The audit trail, for admins: a centre's admin sees its own centre's events."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from app.api.pagination import page
from app.api.security import current_staff, load_patient_for_staff, requires
from app.models import AuditEvent, Patient, StaffUser
from app.schemas.common import AwareDateTime, QueryId, StrictSchema, page_fields

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
        query = select(AuditEvent).order_by(AuditEvent.id.desc())
        staff = current_staff()
        if not staff.is_platform_admin:  # a centre's admin: events about its patients or by its staff
            if "patient_id" in args:
                load_patient_for_staff(args["patient_id"])
            patients = select(Patient.id).where(Patient.center_id == staff.center_id)
            colleagues = select(StaffUser.id).where(StaffUser.center_id == staff.center_id)
            query = query.where(
                AuditEvent.patient_id.in_(patients)
                | (
                    AuditEvent.patient_id.is_(None)
                    & (AuditEvent.actor_type == "staff")
                    & AuditEvent.actor_id.in_(colleagues)
                )
            )
        for key in ("patient_id", "actor_type", "actor_id", "action"):
            if key in args:
                query = query.where(getattr(AuditEvent, key) == args[key])
        if "since" in args:
            query = query.where(AuditEvent.at >= args["since"])
        if "until" in args:
            query = query.where(AuditEvent.at < args["until"])
        return page(query, args)
