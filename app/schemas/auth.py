from __future__ import annotations

from marshmallow import fields, validate

from app.models.staff import ROLES
from app.schemas.common import AwareDateTime, OneOf, StrictSchema


class LoginSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class EnrollSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=4, max=40),
        metadata={"description": "The enrollment code, e.g. K7QF2-829301"},
    )


class StaffOutSchema(StrictSchema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = OneOf(ROLES)
    center_id = fields.Integer(allow_none=True)


class LoginResultSchema(StrictSchema):
    access_token = fields.String(required=True)
    expires_at = AwareDateTime(required=True)
    user = fields.Nested(StaffOutSchema)


class LogoutResultSchema(StrictSchema):
    revoked = fields.Boolean()
