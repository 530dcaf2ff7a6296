from __future__ import annotations

from marshmallow import fields

from app.schemas.common import AwareDateTime, StrictSchema
from app.schemas.patient import PatientOutSchema


class EnrollResultSchema(StrictSchema):
    access_token = fields.String(required=True)
    expires_at = AwareDateTime(required=True)
    patient = fields.Nested(PatientOutSchema)
