from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from app.models import JURISDICTIONS
from app.schemas.common import OneOf, Phone, StrictSchema, validate_timezone

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use 24-hour HH:MM.")


class CenterCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    timezone = fields.String(required=True, validate=[validate.Length(max=64), validate_timezone])
    jurisdiction = fields.String(required=True, validate=validate.OneOf(JURISDICTIONS))
    phone = Phone(allow_none=True)
    day_starts = fields.String(load_default="08:00", validate=HHMM)
    day_ends = fields.String(load_default="18:00", validate=HHMM)

    @validates("name")
    def _not_blank(self, value: str, **kwargs) -> None:
        if not value.strip():
            raise ValidationError("Name may not be blank.")


class CenterOutSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    jurisdiction = OneOf(JURISDICTIONS)
    phone = fields.String(allow_none=True)
    day_starts = fields.String()
    day_ends = fields.String()
    created_at = fields.AwareDateTime()
