"""The report body and what the API answers.

Plausible human ranges: values outside what a human body can show are typing or
device errors, refused with the field named so the patient can correct them.
"""

from __future__ import annotations

from datetime import timedelta

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from app.models import ALERT_STATUSES, LEVELS
from app.rules.types import NOT_MEASURABLE
from app.schemas.common import AwareDateTime, Id, OneOf, StrictSchema, page_fields
from app.schemas.fields import Flag, Number, Score
from app.timesource import utcnow

SYMPTOMS = (
    "chills",
    "headache",
    "dizziness",
    "shortness_of_breath",
    "nausea",
    "diarrhea",
    "abdominal_pain",
    "fatigue",
    "bleeding_or_bruising",
)
NEURO_FLAGS = (
    "confusion",
    "word_finding_difficulty",
    "handwriting_changed",
    "tremor",
    "excessive_sleepiness",
    "severe_headache",
    "seizure",
    "hard_to_wake",
    "facial_droop_or_weakness",
    "fainted",
    "agitation",
    "slowness_or_shuffling",
    "reduced_facial_expression",
    "personality_change",
    "limb_numbness_or_weakness",
    "limb_weakness_one_side",
    "speech_understanding_difficulty",
    "hallucinations",
)
NEURO_DESCRIPTIONS = {
    "limb_weakness_one_side": "Follow-up to limb_numbness_or_weakness: true = on one side of the body only "
    "(emergency, R11), false = both sides, null or absent = not known (urgent, R9).",
    "speech_understanding_difficulty": "Trouble understanding what others say (R9).",
    "hallucinations": "Seeing or hearing things that are not there (R9).",
}
SIGNS = (
    "breathless_at_rest",
    "blue_lips",
    "cannot_speak_full_sentences",
    "unable_to_stand",
    "heavy_bleeding",
    "blood_in_stool",
)
# Which value fields each "can't measure" answer stands for (R12 in docs/clinical-rules.md).
NOT_MEASURED_FIELDS = {
    "temperature": ("temperature_c", "temperature_f"),
    "heart_rate": ("heart_rate",),
    "blood_pressure": ("systolic_bp", "diastolic_bp"),
    "spo2": ("spo2",),
    "respiratory_rate": ("respiratory_rate",),
    "weight": ("weight_kg",),
}
assert tuple(NOT_MEASURED_FIELDS) == NOT_MEASURABLE
REPORTERS = ("patient", "caregiver")
SOURCES = ("app", "staff", "web", "sms")  # Report.source: which front door took it
TEMPERATURE_UNITS = ("C", "F")
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
    """ICE score parts and their maxima (ASTCT 2019; docs/clinical-rules.md R10)."""

    orientation = Score(4, required=True)
    naming = Score(3, required=True)
    commands = Score(1, required=True)
    writing = Score(1, required=True)
    attention = Score(1, required=True)


# Diarrhoea is asked as a frequency, as PRO-CTCAE item 16 is (docs/clinical-rules.md R14).
FREQUENCY_SYMPTOMS = ("diarrhea",)


class SymptomsSchema(StrictSchema):
    """0-4 severity: none, mild, moderate, severe, very severe (PRO-CTCAE scale); diarrhoea is a
    0-4 frequency: never, rarely, occasionally, frequently, almost constantly."""

    locals().update(
        {
            name: Score(
                4,
                allow_none=True,
                metadata={
                    "description": (
                        "0-4 frequency: never, rarely, occasionally, frequently, almost constantly"
                        if name in FREQUENCY_SYMPTOMS
                        else "0-4 severity: none, mild, moderate, severe, very severe"
                    )
                },
            )
            for name in SYMPTOMS
        }
    )


class NeuroSchema(StrictSchema):
    locals().update(
        {
            name: Flag(allow_none=True, metadata={"description": NEURO_DESCRIPTIONS[name]})
            if name in NEURO_DESCRIPTIONS
            else Flag(allow_none=True)
            for name in NEURO_FLAGS
        }
    )
    ice = fields.Nested(IceSchema, allow_none=True)
    ice_unable = Flag(allow_none=True, metadata={"description": "The patient could not do the ICE test."})


class SignsSchema(StrictSchema):
    """Danger signs a caregiver can see (docs/clinical-rules.md R6b, R8b, R14, R15)."""

    locals().update({name: Flag(allow_none=True) for name in SIGNS})


class ReportSchema(StrictSchema):
    client_id = fields.String(
        required=True,
        validate=[
            validate.Length(min=8, max=64),
            validate.Regexp(r"^[A-Za-z0-9._:-]+$", error="Use letters, digits and . _ : - only (a UUID is ideal)."),
        ],
    )
    recorded_at = AwareDateTime(required=True)
    check_in_id = Id(allow_none=True)
    reported_by = OneOf(REPORTERS, load_default="patient")
    vitals = fields.Nested(VitalsSchema, load_default=dict)
    symptoms = fields.Nested(SymptomsSchema, load_default=dict)
    neuro = fields.Nested(NeuroSchema, load_default=dict)
    signs = fields.Nested(SignsSchema, load_default=dict)
    antipyretic_in_last_6h = Flag(load_default=False)
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)
    not_measured = fields.List(
        fields.String(validate=validate.OneOf(NOT_MEASURABLE)),
        load_default=list,
        validate=validate.Length(max=len(NOT_MEASURABLE)),
        metadata={
            "description": 'Vitals the patient or caregiver answered "can\'t measure" (no device, device '
            "failed, patient could not be measured). Distinct from a vital simply left out "
            "(not asked). A vital named here must not also have a value. blood_pressure "
            "covers systolic and diastolic."
        },
    )

    @validates("not_measured")
    def _unique_not_measured(self, value, **kwargs) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Must not repeat a vital.")

    @validates_schema(skip_on_field_errors=True)
    def _not_measured_has_no_value(self, data, **kwargs) -> None:
        vitals = data.get("vitals") or {}
        both = [
            name
            for name in data.get("not_measured") or ()
            if any(vitals.get(field) is not None for field in NOT_MEASURED_FIELDS[name])
        ]
        if both:
            raise ValidationError(
                f'Answered "can\'t measure" but also given a value: {", ".join(both)}.', "not_measured"
            )

    @validates("recorded_at")
    def _not_in_future(self, value, **kwargs) -> None:
        if value > utcnow() + FUTURE_TOLERANCE:
            raise ValidationError("May not be more than 5 minutes in the future; check the phone's clock.")

    @validates_schema
    def _has_content(self, data, **kwargs) -> None:
        blocks = [
            data.get("vitals", {}),
            data.get("symptoms", {}),
            data.get("signs", {}),
            {k: v for k, v in data.get("neuro", {}).items()},
        ]
        if (
            not any(v is not None for block in blocks for v in block.values())
            and not data.get("antipyretic_in_last_6h")
            and not data.get("not_measured")
        ):
            raise ValidationError("A report needs at least one measurement or answer.", "_schema")


class ReportRefSchema(StrictSchema):
    id = fields.Integer()
    client_id = fields.String()
    recorded_at = AwareDateTime()
    received_at = AwareDateTime()


class FindingSchema(StrictSchema):
    rule = fields.String()
    level = OneOf(LEVELS)
    summary = fields.String()
    thresholds = fields.Dict()
    late_by_minutes = fields.Integer(allow_none=True, metadata={"x-optional": True})  # only on a late report


class RulesetSchema(StrictSchema):
    protocol_id = fields.Integer(allow_none=True)
    version = fields.Integer(allow_none=True)


class LatenessSchema(StrictSchema):
    """How late the report reached the server (L1): minutes by the server's receipt time."""

    minutes = fields.Integer()
    stale = fields.Boolean()
    level_when_recorded = OneOf(LEVELS)


class AssessmentSchema(StrictSchema):
    level = OneOf(LEVELS)
    findings = fields.List(fields.Nested(FindingSchema))
    ice_score = fields.Integer(allow_none=True)
    recheck_in_minutes = fields.Integer(allow_none=True)
    fever_may_be_masked = fields.Boolean()
    late = fields.Nested(LatenessSchema, allow_none=True, metadata={"x-optional": True})  # only when late
    graded = fields.Boolean()
    instructions = fields.String()
    ruleset = fields.Nested(RulesetSchema)


class AlertRefSchema(StrictSchema):
    id = fields.Integer()
    status = OneOf(ALERT_STATUSES)
    level = OneOf(LEVELS)


class ReportResultSchema(StrictSchema):
    report = fields.Nested(ReportRefSchema)
    assessment = fields.Nested(AssessmentSchema)
    alert = fields.Nested(AlertRefSchema, allow_none=True)


def _optional(field: fields.Field) -> fields.Field:
    """A response field absent when there is nothing to say (app/api/openapi.py: not `required`)."""
    field.metadata = {**field.metadata, "x-optional": True}
    return field


class VitalsOutSchema(StrictSchema):
    """Vitals as stored: Celsius, with the patient's own reading and unit when they gave one."""

    locals().update(
        {
            name: _optional(fields.Float())
            for name in (
                "temperature_c",
                "heart_rate",
                "systolic_bp",
                "diastolic_bp",
                "spo2",
                "respiratory_rate",
                "weight_kg",
            )
        }
    )
    temperature_raw = _optional(fields.Float(metadata={"description": "The reading as typed, in its unit"}))
    temperature_unit = _optional(OneOf(TEMPERATURE_UNITS))


class ReportOutSchema(StrictSchema):
    """A stored report as history shows it."""

    id = fields.Integer()
    client_id = fields.String()
    recorded_at = AwareDateTime()
    received_at = AwareDateTime()
    reported_by = OneOf(REPORTERS)
    source = OneOf(SOURCES)
    check_in_id = fields.Integer(allow_none=True)
    vitals = fields.Nested(VitalsOutSchema)
    # The request's own block schemas: a stored report answers in the shape it was sent in.
    symptoms = fields.Nested(SymptomsSchema)
    neuro = fields.Nested(NeuroSchema)
    signs = fields.Nested(SignsSchema)
    ice_score = fields.Integer(allow_none=True)
    antipyretic_in_last_6h = fields.Boolean()
    note = fields.String(allow_none=True)
    not_measured = fields.List(OneOf(NOT_MEASURABLE), metadata={"description": 'Vitals answered "can\'t measure".'})
    level = OneOf(LEVELS)
    graded = fields.Boolean()
    assessment = fields.Nested(AssessmentSchema)
    alert_id = fields.Integer(allow_none=True)


class PageArgs(StrictSchema):
    locals().update(page_fields(100, 500))
