from __future__ import annotations

from marshmallow import fields

from app.schemas.common import StrictSchema


class EnrollmentCodeSchema(StrictSchema):
    enrollment_code = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)
