from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from app.models import PRODUCTS
from app.schemas.common import AwareDateTime, Id, OneOf, StrictSchema, page_fields


class ProtocolOutSchema(StrictSchema):
    id = fields.Integer()
    family = fields.String()
    version = fields.Integer()
    name = fields.String()
    jurisdiction = fields.String()
    products = fields.List(OneOf(PRODUCTS))
    center_id = fields.Integer(allow_none=True, metadata={"description": "null: a shipped, read-only template"})
    is_default = fields.Boolean(
        metadata={
            "description": "template: the shipped default; a centre's version: that centre's default for its products"
        }
    )
    superseded_by_id = fields.Integer(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    created_at = AwareDateTime()
    content = fields.Dict()


class ProtocolListArgs(StrictSchema):
    family = fields.String(validate=validate.Length(max=64))
    current = fields.Boolean(metadata={"description": "only versions not superseded"})
    locals().update(page_fields(200, 1000))


class ProtocolCreateSchema(StrictSchema):
    base_id = Id(metadata={"description": "the version this one derives from (a new version of its family)"})
    family = fields.String(
        validate=[
            validate.Length(min=3, max=64),
            validate.Regexp(r"^[a-z0-9][a-z0-9-]+$", error="Use a-z, 0-9 and -."),
        ],
        metadata={"description": "a new family's name (version 1); omit with base_id"},
    )
    name = fields.String(validate=validate.Length(min=1, max=200))
    jurisdiction = fields.String(validate=validate.OneOf(("US", "EU", "UK")))
    products = fields.List(fields.String(validate=validate.OneOf(PRODUCTS)), validate=validate.Length(min=1))
    content = fields.Dict(required=True)
    make_default = fields.Boolean(
        load_default=False, metadata={"description": "make it the centre's default for its products"}
    )
    center_id = Id(
        metadata={
            "description": "the centre this version is for (default: the caller's; "
            "a platform administrator must name it)"
        }
    )

    @validates_schema
    def _base_or_family(self, data, **kwargs) -> None:
        if ("base_id" in data) == ("family" in data):
            raise ValidationError("Give base_id (a new version) or family (a new protocol), not both.", "_schema")
        if "family" in data and not {"jurisdiction", "products"} <= set(data):
            raise ValidationError("A new protocol needs jurisdiction and products.", "_schema")


class DefaultSchema(StrictSchema):
    is_default = fields.Boolean(
        required=True,
        metadata={
            "description": "true: the centre's default for this version's products; false: no longer (the "
            "shipped default applies unless another of the centre's versions covers the product)"
        },
    )


class DryRunSchema(StrictSchema):
    content = fields.Dict(metadata={"description": "proposed content (default: this version's own)"})
    center_id = Id()
    patient_id = Id()
    since = AwareDateTime(required=True)
    until = AwareDateTime(required=True)

    @validates_schema
    def _period(self, data, **kwargs) -> None:
        if "since" in data and "until" in data and data["until"] <= data["since"]:
            raise ValidationError("Must be after since.", "until")


class LevelCountSchema(StrictSchema):
    raised = fields.Integer()
    would_raise = fields.Integer()
    difference = fields.Integer()


class PageCountSchema(StrictSchema):
    raised = fields.Integer()
    would_raise = fields.Integer()


class DryRunExampleSchema(StrictSchema):
    report_id = fields.Integer()
    patient_id = fields.Integer()
    recorded_at = AwareDateTime()
    was = fields.String()
    would_be = fields.String()


class DryRunResultSchema(StrictSchema):
    reports = fields.Integer()
    since = AwareDateTime()
    until = AwareDateTime()
    per_level = fields.Dict(keys=fields.String(), values=fields.Nested(LevelCountSchema))
    pages = fields.Nested(PageCountSchema)
    examples = fields.List(fields.Nested(DryRunExampleSchema))
