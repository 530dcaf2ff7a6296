"""Fields and schemas shared by resources."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from marshmallow import Schema, ValidationError, fields, pre_load, validate

MAX_INT = 2**31 - 1  # bound every integer: SQLite overflows past 2^63
# No number any field takes comes near this; a longer one would overflow a float (a 500) or a
# column. JSON numbers this long are refused by name before any field sees them.
MAX_ABS_NUMBER = 10**15
UNSTORABLE = "Contains a character that cannot be stored (a NUL or a lone surrogate)."
TOO_LARGE = "Number too large."


# PostgreSQL refuses NUL in text; SQLite (and UTF-8 itself) cannot encode a lone surrogate.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


def hostile_values(data, path: tuple = ()) -> dict:
    """{dotted path: message} for every string a database cannot store and every number too
    large for any field, anywhere in a decoded JSON body (keys included)."""
    found: dict[str, str] = {}
    if isinstance(data, str):
        if _unstorable(data):
            found[".".join(map(str, path)) or "_schema"] = UNSTORABLE
    elif isinstance(data, bool):
        pass
    elif isinstance(data, int | float):
        if abs(data) > MAX_ABS_NUMBER:
            found[".".join(map(str, path)) or "_schema"] = TOO_LARGE
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _unstorable(key):
                found[".".join(map(str, (*path, "_schema"))) if path else "_schema"] = UNSTORABLE
                continue
            found |= hostile_values(value, (*path, key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found |= hostile_values(value, (*path, index))
    return found


def _nest(found: dict[str, str]) -> dict:
    messages: dict = {}
    for dotted, message in found.items():
        node = messages
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(int(part) if part.isdigit() else part, {})
        node[int(leaf) if leaf.isdigit() else leaf] = [message]
    return messages


class StrictSchema(Schema):
    """Unknown fields are refused by name (marshmallow's default RAISE), stated for readers.
    Text a database cannot store and absurdly long numbers are refused by name too."""

    class Meta:
        unknown = "raise"

    @pre_load(pass_collection=True)
    def _refuse_hostile_values(self, data, many, **kwargs):
        found = hostile_values(dict(data) if hasattr(data, "keys") and not isinstance(data, dict) else data)
        if found:
            raise ValidationError(_nest(found))
        return data


# Instants outside these years are typing slips or attacks: year 1 overflows on conversion to UTC
# (a 500), and nothing Vigil records happened before CAR T existed or centuries from now.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
# The same bound in the OpenAPI description, so clients (and the fuzz test) know it.
YEAR_PATTERN = r"^(19|2[01])[0-9]{2}-"


def _plausible(value: dt.datetime) -> dt.datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(f"Must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}.")
    try:
        value.astimezone(dt.UTC) if value.tzinfo is not None else None
    except (OverflowError, ValueError) as exc:
        raise ValidationError("Not a representable instant.") from exc
    return value


class AwareDateTime(fields.AwareDateTime):
    """An ISO instant with a time zone, in a plausible year."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["metadata"] = {"pattern": YEAR_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return _plausible(super()._deserialize(value, attr, data, **kwargs))


class DateTime(fields.DateTime):
    """An ISO date-time (an offset optional), in a plausible year."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["metadata"] = {"pattern": YEAR_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return _plausible(super()._deserialize(value, attr, data, **kwargs))


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
    # Named `fields` on the wire; a class attribute of that name would shadow Schema.fields.
    field_messages = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        attribute="fields",
        data_key="fields",
        metadata={"x-optional": True, "description": "Messages per field, for 422"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


def page_fields(default: int, maximum: int) -> dict[str, fields.Field]:
    """`locals().update(page_fields(100, 500))` in a list's query-argument schema (the paging
    itself, and its headers, are app/api/pagination.py's)."""
    return {
        "limit": fields.Integer(
            load_default=default,
            validate=validate.Range(min=1, max=maximum),
            metadata={"description": f"Items per page (default {default}, at most {maximum})"},
        ),
        "offset": fields.Integer(
            load_default=0,
            validate=validate.Range(min=0, max=MAX_INT),
            metadata={"description": 'Items to skip; follow the `Link: rel="next"` header'},
        ),
    }


def flatten_messages(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into dotted field names: {"vitals.spo2": [...]}."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    if isinstance(messages, list):
        flat = {}
        for i, value in enumerate(messages):
            flat.update(flatten_messages(value, f"{prefix}.{i}" if prefix else str(i)))
        return flat
    return {prefix or "_schema": [str(messages)]}
