from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from app.models import JURISDICTIONS
from app.schemas.common import AwareDateTime, OneOf, Phone, StrictSchema, page_fields, validate_timezone

# An absolute URI (http(s) or urn:oid:/urn:uuid:), as FHIR's Identifier.system requires.
MRN_SYSTEM = [
    validate.Length(max=255),
    validate.Regexp(
        r"^(https?://[^\s]+|urn:(oid:[0-2](\.(0|[1-9][0-9]*))+|uuid:[0-9a-f-]{36}))$",
        error="An absolute URI: https://..., urn:oid:1.2.3 or urn:uuid:....",
    ),
]
HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use 24-hour HH:MM.")


class CenterCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    timezone = fields.String(required=True, validate=[validate.Length(max=64), validate_timezone])
    jurisdiction = fields.String(required=True, validate=validate.OneOf(JURISDICTIONS))
    # The 24/7 CAR T line patients are told to call: required, so no text ever carries a blank.
    phone = Phone(required=True)
    day_starts = fields.String(load_default="08:00", validate=HHMM)
    day_ends = fields.String(load_default="18:00", validate=HHMM)
    mrn_system = fields.String(
        validate=MRN_SYSTEM,
        allow_none=True,
        metadata={"description": "The hospital's identifier system for MRNs, e.g. urn:oid:2.16.840.1.113883.3.1234"},
    )

    @validates("name")
    def _not_blank(self, value: str, **kwargs) -> None:
        if not value.strip():
            raise ValidationError("Name may not be blank.")


class CenterListArgs(StrictSchema):
    locals().update(page_fields(200, 1000))


class CenterPatchSchema(StrictSchema):
    """What a centre's admins may change; the phone can be replaced but never removed."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    phone = Phone()
    day_starts = fields.String(validate=HHMM)
    day_ends = fields.String(validate=HHMM)
    mrn_system = fields.String(
        validate=MRN_SYSTEM,
        allow_none=True,
        metadata={"description": "The hospital's identifier system for MRNs; null returns to Vigil's default"},
    )

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
    created_at = AwareDateTime()
    mrn_system = fields.String(
        metadata={"description": "FHIR Identifier.system of this centre's MRNs (the centre's own, or Vigil's default)"}
    )
