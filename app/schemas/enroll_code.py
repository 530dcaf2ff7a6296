from __future__ import annotations

from marshmallow import fields

from app.schemas.common import AwareDateTime, StrictSchema


class EnrollmentCodeSchema(StrictSchema):
    enrollment_code = fields.String(required=True)
    expires_at = AwareDateTime(required=True)
