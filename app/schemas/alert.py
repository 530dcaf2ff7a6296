from __future__ import annotations

from marshmallow import fields, validate

from app.models import ALERT_KINDS, ALERT_STATUSES, DISPOSITIONS, LEVELS, NOTIFICATION_STATES
from app.schemas.common import AwareDateTime, OneOf, StrictSchema, page_fields
from app.schemas.report import FindingSchema


class AlertFindingSchema(FindingSchema):
    report_id = fields.Integer(allow_none=True)
    recorded_at = fields.String(allow_none=True)
    # Findings Vigil writes itself (a missed or late check-in, STOP) carry no recheck time.
    recheck_in_minutes = fields.Integer(allow_none=True, metadata={"x-optional": True})


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
    state = OneOf(NOTIFICATION_STATES)
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
    kind = OneOf(ALERT_KINDS)
    status = OneOf(ALERT_STATUSES)
    level = OneOf(LEVELS)
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
    disposition = OneOf(DISPOSITIONS, allow_none=True)
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
    baseline_notice = fields.String(
        allow_none=True,
        metadata={
            "description": (
                '"Relative rules off: no baseline (...)" when the patient\'s day-0 baseline is missing (R20).'
            )
        },
    )


class AlertQueueItemSchema(AlertOutSchema):
    baseline_notice = fields.String(
        allow_none=True,
        metadata={
            "description": 'As on the alert: "Relative rules off: no baseline (...)" when the patient\'s day-0 '
            "baseline is missing (R20), so a queue shows it without opening each alert."
        },
    )


class AlertListArgs(StrictSchema):
    status = fields.String(
        validate=validate.OneOf(("open", "acknowledged", "resolved", "active")),
        metadata={"description": "active = open or acknowledged (the default)"},
    )
    locals().update(page_fields(200, 1000))


class PageArgs(StrictSchema):
    locals().update(page_fields(200, 1000))


class ResolveSchema(StrictSchema):
    disposition = fields.String(required=True, validate=validate.OneOf(DISPOSITIONS))
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)
