"""Fields and schemas shared by resources."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from marshmallow import Schema, ValidationError, fields, validate

MAX_INT = 2**31 - 1  # bound every integer: SQLite overflows past 2^63 (RECIPES §4)


class StrictSchema(Schema):
    """Unknown fields are refused by name (marshmallow's default RAISE), stated for readers."""

    class Meta:
        unknown = "raise"


def normalise_phone(value: str) -> str:
    """E.164 form of a phone number, or ValidationError. Numbers must carry their country code."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("Not a phone number; use international form, e.g. +1 617 555 0100.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("Not a valid phone number for its country.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Phone(fields.String):
    """A phone number in, E.164 out (validated with the phonenumbers package)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("metadata", {"description": "E.164 phone number, e.g. +16175550100"})
        super().__init__(validate=validate.Length(min=3, max=32), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return normalise_phone(super()._deserialize(value, attr, data, **kwargs))


_ZONES: frozenset[str] | None = None


def validate_timezone(value: str) -> None:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    if value not in _ZONES:
        raise ValidationError("Not an IANA time zone name, e.g. America/New_York.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("Unknown time zone.") from exc


def Id(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    """An id in a JSON body: a real integer ("7" as a string is refused)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_INT), **kwargs)


def QueryId(**kwargs) -> fields.Integer:  # noqa: N802 - reads like a field class
    """An id in a query string, where every value arrives as text."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_INT), **kwargs)


def OneOf(values, **kwargs) -> fields.String:  # noqa: N802 - reads like a field class
    """A string from a closed set; in a response schema it becomes the description's `enum`
    (pass the model's tuple, e.g. LEVELS, so the description follows the code)."""
    return fields.String(validate=validate.OneOf(tuple(values)), **kwargs)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"x-optional": True, "description": "Messages per field, for 422"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)
