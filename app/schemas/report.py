"""The report body (CONTRACT §3) and what the API answers.

Plausible human ranges (issue 3): values outside what a human body can show are typing or
device errors, refused with the field named so the patient can correct them.
"""

from __future__ import annotations

from datetime import timedelta

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from app.clock import utcnow
from app.schemas.common import AwareDateTime, Id, StrictSchema
from app.schemas.fields import Flag, Number, Score

SYMPTOMS = ("chills", "headache", "dizziness", "shortness_of_breath", "nausea", "diarrhea",
            "abdominal_pain", "fatigue", "bleeding_or_bruising")
NEURO_FLAGS = ("confusion", "word_finding_difficulty", "handwriting_changed", "tremor", "excessive_sleepiness",
               "severe_headache", "seizure", "hard_to_wake", "facial_droop_or_weakness", "fainted", "agitation",
               "slowness_or_shuffling", "reduced_facial_expression", "personality_change",
               "limb_numbness_or_weakness")
SIGNS = ("breathless_at_rest", "blue_lips", "cannot_speak_full_sentences", "unable_to_stand", "heavy_bleeding",
         "blood_in_stool")
FUTURE_TOLERANCE = timedelta(minutes=5)  # phone clocks drift; more than this is a wrong clock


def _range(low: float, high: float) -> validate.Range:
    return validate.Range(min=low, max=high)


class VitalsSchema(StrictSchema):
    temperature_c = Number(validate=_range(30, 45), allow_none=True)
    temperature_f = Number(validate=_range(86, 113), allow_none=True)
    heart_rate = Number(validate=_range(20, 250), allow_none=True)
    systolic_bp = Number(validate=_range(40, 300), allow_none=True)
    diastolic_bp = Number(validate=_range(20, 200), allow_none=True)
    spo2 = Number(validate=_range(50, 100), allow_none=True)
    respiratory_rate = Number(validate=_range(4, 80), allow_none=True)
    weight_kg = Number(validate=_range(2, 400), allow_none=True)

    @validates_schema(skip_on_field_errors=False)  # name every problem at once, not in rounds
    def _consistent(self, data, **kwargs) -> None:
        if data.get("temperature_c") is not None and data.get("temperature_f") is not None:
            raise ValidationError("Give temperature_c or temperature_f, not both.", "temperature_f")
        systolic, diastolic = data.get("systolic_bp"), data.get("diastolic_bp")
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            raise ValidationError("Diastolic pressure must be below systolic.", "diastolic_bp")


class IceSchema(StrictSchema):
    """ICE score parts and their maxima (REFERENCE §2.2)."""

    orientation = Score(4, required=True)
    naming = Score(3, required=True)
    commands = Score(1, required=True)
    writing = Score(1, required=True)
    attention = Score(1, required=True)


class SymptomsSchema(StrictSchema):
    """0-4: none, mild, moderate, severe, very severe (REFERENCE §4.1)."""

    locals().update({name: Score(4, allow_none=True) for name in SYMPTOMS})


class NeuroSchema(StrictSchema):
    locals().update({name: Flag(allow_none=True) for name in NEURO_FLAGS})
    ice = fields.Nested(IceSchema, allow_none=True)
    ice_unable = Flag(allow_none=True, metadata={"description": "The patient could not do the ICE test."})


class SignsSchema(StrictSchema):
    """Danger signs a caregiver can see (REFERENCE §6 R6b, R8b, R14, R15)."""

    locals().update({name: Flag(allow_none=True) for name in SIGNS})


class ReportSchema(StrictSchema):
    client_id = fields.String(required=True, validate=[
        validate.Length(min=8, max=64),
        validate.Regexp(r"^[A-Za-z0-9._:-]+$", error="Use letters, digits and . _ : - only (a UUID is ideal)."),
    ])
    recorded_at = AwareDateTime(required=True)
    check_in_id = Id(allow_none=True)
    reported_by = fields.String(load_default="patient", validate=validate.OneOf(("patient", "caregiver")))
    vitals = fields.Nested(VitalsSchema, load_default=dict)
    symptoms = fields.Nested(SymptomsSchema, load_default=dict)
    neuro = fields.Nested(NeuroSchema, load_default=dict)
    signs = fields.Nested(SignsSchema, load_default=dict)
    antipyretic_in_last_6h = Flag(load_default=False)
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)

    @validates("recorded_at")
    def _not_in_future(self, value, **kwargs) -> None:
        if value > utcnow() + FUTURE_TOLERANCE:
            raise ValidationError("May not be more than 5 minutes in the future; check the phone's clock.")

    @validates_schema
    def _has_content(self, data, **kwargs) -> None:
        blocks = [data.get("vitals", {}), data.get("symptoms", {}), data.get("signs", {}),
                  {k: v for k, v in data.get("neuro", {}).items()}]
        if not any(v is not None for block in blocks for v in block.values()) and not data.get(
                "antipyretic_in_last_6h"):
            raise ValidationError("A report needs at least one measurement or answer.", "_schema")


class ReportRefSchema(StrictSchema):
    id = fields.Integer()
    client_id = fields.String()
    recorded_at = AwareDateTime()
    received_at = AwareDateTime()


class FindingSchema(StrictSchema):
    rule = fields.String()
    level = fields.String()
    summary = fields.String()
    thresholds = fields.Dict()


class RulesetSchema(StrictSchema):
    protocol_id = fields.Integer(allow_none=True)
    version = fields.Integer(allow_none=True)


class AssessmentSchema(StrictSchema):
    level = fields.String()
    findings = fields.List(fields.Nested(FindingSchema))
    ice_score = fields.Integer(allow_none=True)
    recheck_in_minutes = fields.Integer(allow_none=True)
    fever_may_be_masked = fields.Boolean()
    graded = fields.Boolean()
    instructions = fields.String()
    ruleset = fields.Nested(RulesetSchema)


class AlertRefSchema(StrictSchema):
    id = fields.Integer()
    status = fields.String()
    level = fields.String()


class ReportResultSchema(StrictSchema):
    report = fields.Nested(ReportRefSchema)
    assessment = fields.Nested(AssessmentSchema)
    alert = fields.Nested(AlertRefSchema, allow_none=True)


class ReportOutSchema(StrictSchema):
    """A stored report as history shows it."""

    id = fields.Integer()
    client_id = fields.String()
    recorded_at = AwareDateTime()
    received_at = AwareDateTime()
    reported_by = fields.String()
    source = fields.String()
    check_in_id = fields.Integer(allow_none=True)
    vitals = fields.Dict()
    symptoms = fields.Dict()
    neuro = fields.Dict()
    signs = fields.Dict()
    ice_score = fields.Integer(allow_none=True)
    antipyretic_in_last_6h = fields.Boolean()
    note = fields.String(allow_none=True)
    level = fields.String()
    graded = fields.Boolean()
    assessment = fields.Nested(AssessmentSchema)
    alert_id = fields.Integer(allow_none=True)


class PageArgs(StrictSchema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
