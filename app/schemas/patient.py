from __future__ import annotations

from datetime import timedelta

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from app.models import CHANNELS, CHECK_IN_STATES, LANGUAGES, LEVELS, PATIENT_STATUSES, PRODUCTS
from app.schemas.common import AwareDateTime, Id, OneOf, Phone, QueryId, StrictSchema, page_fields, validate_timezone
from app.schemas.fields import Flag
from app.timesource import utcnow

# Follow-up runs for years (15-year follow-up in the FDA 2025 labels), so enrolling someone infused long ago is allowed.
MAX_PAST_INFUSION = timedelta(days=5 * 365)


class BaselineSchema(StrictSchema):
    """Day-0 baseline (R20, docs/clinical-rules.md): blood pressure, SpO2, ICE and whether a
    handwriting sample was taken (weight too for Carvykti). Each value missing turns a relative
    rule off (R6a, R10a, R14); the patient's `relative_rules_off` names them."""

    systolic_bp = fields.Float(validate=validate.Range(min=40, max=300), allow_none=True)
    heart_rate = fields.Float(validate=validate.Range(min=20, max=250), allow_none=True)
    spo2 = fields.Float(validate=validate.Range(min=50, max=100), allow_none=True)
    ice_score = fields.Integer(strict=True, validate=validate.Range(min=0, max=10), allow_none=True)
    weight_kg = fields.Float(validate=validate.Range(min=2, max=400), allow_none=True)
    handwriting_sample = Flag(
        allow_none=True,
        metadata={"description": "A day-0 handwriting sample was taken (the R9 handwriting item compares with it)."},
    )


class PatientCreateSchema(StrictSchema):
    mrn = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = Phone(required=True)
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))
    product = fields.String(required=True, validate=validate.OneOf(PRODUCTS))
    infused_at = AwareDateTime(required=True)
    center_id = Id(required=True)
    caregiver_name = fields.String(validate=validate.Length(max=200), allow_none=True)
    caregiver_phone = Phone(allow_none=True)
    protocol_id = Id(allow_none=True)
    timezone = fields.String(validate=[validate.Length(max=64), validate_timezone], allow_none=True)
    channel = fields.String(load_default="app", validate=validate.OneOf(CHANNELS))
    baseline = fields.Nested(BaselineSchema, load_default=dict)

    @validates("infused_at")
    def _infusion_not_in_future(self, value, **kwargs) -> None:
        now = utcnow()
        if value > now + timedelta(days=1):
            raise ValidationError("Infusion time may not be more than a day in the future.")
        if value < now - MAX_PAST_INFUSION:
            raise ValidationError("Infusion time is more than 5 years ago.")

    @validates_schema
    def _caregiver_differs(self, data, **kwargs) -> None:
        if data.get("caregiver_phone") and data.get("caregiver_phone") == data.get("phone"):
            raise ValidationError("The caregiver needs a phone of their own.", "caregiver_phone")


# An excusal covers a readmission or a stay near the centre, not the rest of the follow-up:
# a longer pause is a status change (withdrawn), which staff should choose on purpose. [DESIGN]
MAX_EXCUSAL = timedelta(days=30)


class PatientPatchSchema(StrictSchema):
    protocol_id = Id()
    status = fields.String(validate=validate.OneOf(PATIENT_STATUSES))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    caregiver_name = fields.String(validate=validate.Length(max=200), allow_none=True)
    caregiver_phone = Phone(allow_none=True)
    baseline = fields.Nested(BaselineSchema)
    # Check-ins due before this are excused (null ends an excusal); the reason shows to the team.
    check_ins_excused_until = AwareDateTime(allow_none=True)
    check_ins_excused_reason = fields.String(validate=validate.Length(min=1, max=200), allow_none=True)

    @validates("check_ins_excused_until")
    def _excusal_ahead_and_bounded(self, value, **kwargs) -> None:
        if value is None:
            return
        now = utcnow()
        if value <= now:
            raise ValidationError("Must be in the future; send null to end an excusal now.")
        if value > now + MAX_EXCUSAL:
            raise ValidationError(f"At most {MAX_EXCUSAL.days} days ahead; renew it if the stay runs longer.")


class RestrictionsSchema(StrictSchema):
    stay_near_center_until = fields.Date()
    no_driving_until = fields.Date()
    caregiver_until = fields.Date()
    monitoring_ends_at = AwareDateTime()


class ProtocolRefSchema(StrictSchema):
    id = fields.Integer()
    family = fields.String()
    version = fields.Integer()
    name = fields.String()


class CheckInOutSchema(StrictSchema):
    id = fields.Integer()
    due_at = AwareDateTime()
    window_ends_at = AwareDateTime()
    phase = fields.String()
    asks = fields.List(fields.String())
    state = OneOf(CHECK_IN_STATES)
    completed_report_id = fields.Integer(allow_none=True)
    missed_level = OneOf(LEVELS)


class CheckInListArgs(StrictSchema):
    state = fields.String(validate=validate.OneOf(CHECK_IN_STATES))
    locals().update(page_fields(200, 1000))


class RelativeRuleOffSchema(StrictSchema):
    rule = fields.String()
    needs = fields.String()
    description = fields.String()


class PatientOutSchema(StrictSchema):
    id = fields.Integer()
    center_id = fields.Integer()
    mrn = fields.String()
    name = fields.String()
    phone = fields.String()
    language = OneOf(LANGUAGES)
    timezone = fields.String()
    product = OneOf(PRODUCTS)
    infused_at = AwareDateTime()
    day_after_infusion = fields.Integer()
    phase = fields.String()
    next_check_in = fields.Nested(CheckInOutSchema, allow_none=True)
    caregiver_name = fields.String(allow_none=True)
    caregiver_phone = fields.String(allow_none=True)
    status = OneOf(PATIENT_STATUSES)
    channel = OneOf(CHANNELS)
    baseline = fields.Dict()
    baseline_missing = fields.List(
        fields.String(), metadata={"description": "Baseline values enrollment asks for that are missing (R20)."}
    )
    relative_rules_off = fields.List(
        fields.Nested(RelativeRuleOffSchema),
        metadata={"description": "Rules that compare with the day-0 baseline and are off because it is missing."},
    )
    check_ins_excused_until = AwareDateTime(allow_none=True)
    check_ins_excused_reason = fields.String(allow_none=True)
    protocol = fields.Nested(ProtocolRefSchema)
    stay_near_center_until = fields.Date()
    no_driving_until = fields.Date()
    caregiver_until = fields.Date()
    monitoring_ends_at = AwareDateTime()
    created_at = AwareDateTime()


class PatientCreatedSchema(PatientOutSchema):
    enrollment_code = fields.String()
    enrollment_code_expires_at = AwareDateTime()


class PatientListArgs(StrictSchema):
    status = fields.String(validate=validate.OneOf(PATIENT_STATUSES))
    center_id = QueryId()
    locals().update(page_fields(500, 1000))
