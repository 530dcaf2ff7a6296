from __future__ import annotations

from marshmallow import fields, validate

from app.models import DISPOSITIONS
from app.schemas.common import AwareDateTime, StrictSchema
from app.schemas.report import FindingSchema


class AlertFindingSchema(FindingSchema):
    report_id = fields.Integer(allow_none=True)
    recorded_at = fields.String(allow_none=True)
    recheck_in_minutes = fields.Integer(allow_none=True)


class AttemptSchema(StrictSchema):
    at = AwareDateTime()
    result = fields.String()
    provider_sid = fields.String(allow_none=True)
    error_code = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)


class NotificationOutSchema(StrictSchema):
    id = fields.Integer()
    purpose = fields.String()
    staff_id = fields.Integer(allow_none=True)
    staff_name = fields.String(allow_none=True)
    to_phone = fields.String()
    state = fields.String()
    provider_sid = fields.String(allow_none=True)
    provider_status = fields.String(allow_none=True)
    error_code = fields.String(allow_none=True)
    escalation_step = fields.Integer(allow_none=True)
    escalation_round = fields.Integer(allow_none=True)
    attempts = fields.Integer()
    created_at = AwareDateTime()
    sent_at = AwareDateTime(allow_none=True)
    final_at = AwareDateTime(allow_none=True)
    attempts_log = fields.List(fields.Nested(AttemptSchema))


class AlertEventSchema(StrictSchema):
    at = AwareDateTime()
    kind = fields.String()
    staff_id = fields.Integer(allow_none=True)
    report_id = fields.Integer(allow_none=True)
    data = fields.Dict()


class EscalationStateSchema(StrictSchema):
    state = fields.String()
    step = fields.Integer()
    round = fields.Integer()
    next_step_at = AwareDateTime(allow_none=True)
    policy_source = fields.String(allow_none=True)


class AlertOutSchema(StrictSchema):
    id = fields.Integer()
    patient_id = fields.Integer()
    center_id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    level = fields.String()
    ack_code = fields.String()
    findings = fields.List(fields.Nested(AlertFindingSchema))
    opened_at = AwareDateTime()
    updated_at = AwareDateTime()
    upgraded_at = AwareDateTime(allow_none=True)
    upgrade_count = fields.Integer()
    acknowledged_at = AwareDateTime(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)
    resolved_at = AwareDateTime(allow_none=True)
    resolved_by_id = fields.Integer(allow_none=True)
    disposition = fields.String(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    protocol_id = fields.Integer(allow_none=True)
    protocol_version = fields.Integer(allow_none=True)
    opening_report_id = fields.Integer(allow_none=True)
    escalation = fields.Nested(EscalationStateSchema)


class AlertDetailSchema(AlertOutSchema):
    assessment = fields.Dict()
    thresholds_snapshot = fields.Dict()
    escalation_snapshot = fields.Dict()
    notifications = fields.List(fields.Nested(NotificationOutSchema))
    events = fields.List(fields.Nested(AlertEventSchema))


class AlertListArgs(StrictSchema):
    status = fields.String(validate=validate.OneOf(("open", "acknowledged", "resolved", "active")),
                           metadata={"description": "active = open or acknowledged (the default)"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class ResolveSchema(StrictSchema):
    disposition = fields.String(required=True, validate=validate.OneOf(DISPOSITIONS))
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)
