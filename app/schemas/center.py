from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from app.models import JURISDICTIONS
from app.schemas.common import AwareDateTime, Phone, StrictSchema, validate_timezone

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use 24-hour HH:MM.")


class CenterCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    timezone = fields.String(required=True, validate=[validate.Length(max=64), validate_timezone])
    jurisdiction = fields.String(required=True, validate=validate.OneOf(JURISDICTIONS))
    # The 24/7 CAR T line patients are told to call: required, so no text ever carries a blank (issue 15).
    phone = Phone(required=True)
    day_starts = fields.String(load_default="08:00", validate=HHMM)
    day_ends = fields.String(load_default="18:00", validate=HHMM)

    @validates("name")
    def _not_blank(self, value: str, **kwargs) -> None:
        if not value.strip():
            raise ValidationError("Name may not be blank.")


class CenterPatchSchema(StrictSchema):
    """What a centre's admins may change; the phone can be replaced but never removed."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    phone = Phone()
    day_starts = fields.String(validate=HHMM)
    day_ends = fields.String(validate=HHMM)

    @validates("name")
    def _not_blank(self, value: str, **kwargs) -> None:
        if not value.strip():
            raise ValidationError("Name may not be blank.")


class CenterOutSchema(StrictSchema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    jurisdiction = fields.String()
    phone = fields.String(allow_none=True)
    day_starts = fields.String()
    day_ends = fields.String()
    created_at = AwareDateTime()
