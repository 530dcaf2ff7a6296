from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.escalation.policy import CHANNELS, TARGET_WORDS
from app.notify.call_script import CALL_LANGUAGES
from app.schemas.common import MAX_INT, AwareDateTime, DateTime, Id, StrictSchema


class Target(fields.Field):
    """A staff id, or one of "on_call", "clinicians", "nurses", "admins"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("Must be a staff id or one of: " + ", ".join(TARGET_WORDS) + ".")
        if isinstance(value, int) and 1 <= value <= MAX_INT:
            return value
        if isinstance(value, str) and value in TARGET_WORDS:
            return value
        raise ValidationError("Must be a staff id or one of: " + ", ".join(TARGET_WORDS) + ".")

    def _jsonschema_type_mapping(self) -> dict:
        return {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "enum": list(TARGET_WORDS)}]}


def _distinct(values: list) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Name each channel once.")


class StepSchema(StrictSchema):
    notify = fields.List(Target(), required=True, validate=validate.Length(min=1, max=20))
    wait_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=240))
    # How the step reaches people; without it, by SMS. Stored only when given.
    channels = fields.List(
        fields.String(validate=validate.OneOf(CHANNELS)),
        validate=[validate.Length(min=1, max=2), _distinct],
        metadata={
            "description": 'How the step reaches people: "sms", "call" (a phone call that '
            'asks to press 1 to acknowledge) or both; without it, "sms".'
        },
    )


class ChainSchema(StrictSchema):
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=validate.Length(min=1, max=10))
    repeat = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0, max=10))


class PolicySchema(StrictSchema):
    urgent = fields.Nested(ChainSchema, required=True)
    emergency = fields.Nested(ChainSchema, required=True)
    call_language = fields.String(
        validate=validate.OneOf(CALL_LANGUAGES),
        metadata={"description": "The language calls speak (Twilio text-to-speech); else the jurisdiction's English."},
    )


class PolicyOutSchema(Schema):
    center_id = fields.Integer()
    source = fields.String()
    policy = fields.Dict()
    updated_at = AwareDateTime(allow_none=True)


class RosterEntrySchema(StrictSchema):
    staff_id = Id(required=True)
    # ISO times; without an offset they are the centre's local time.
    starts_at = DateTime(required=True)
    ends_at = DateTime(allow_none=True)


class OnCallSchema(StrictSchema):
    staff_ids = fields.List(Id(), validate=validate.Length(min=1, max=20))
    entries = fields.List(fields.Nested(RosterEntrySchema), validate=validate.Length(min=1, max=500))

    @validates_schema
    def _one_form(self, data, **kwargs) -> None:
        if ("staff_ids" in data) == ("entries" in data):
            raise ValidationError("Give staff_ids (on call from now) or entries (a dated roster), not both.", "_schema")


class ShiftOutSchema(Schema):
    staff_id = fields.Integer()
    staff_name = fields.String()
    starts_at = AwareDateTime()
    ends_at = AwareDateTime(allow_none=True)


class OnCallOutSchema(Schema):
    center_id = fields.Integer()
    on_call_now = fields.List(fields.Integer())
    shifts = fields.List(fields.Nested(ShiftOutSchema))
