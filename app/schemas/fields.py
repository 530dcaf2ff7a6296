"""Strict scalar fields: a clinical value must arrive as what it is.

marshmallow's Float takes "38.4" and True (as 1.0), and Boolean takes "yes" and 1. A home device
or app that sends those has a bug we want to hear about, so they are refused by name.
"""

from __future__ import annotations

import math

from marshmallow import ValidationError, fields, validate


class Number(fields.Float):
    def _deserialize(self, value, attr, data, **kwargs) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError("Must be a number.")
        if not math.isfinite(value):
            raise ValidationError("Must be a finite number.")
        return float(value)


class Flag(fields.Boolean):
    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class Score(fields.Integer):
    """A whole-number answer (symptom 0-4, ICE part)."""

    def __init__(self, maximum: int, **kwargs) -> None:
        super().__init__(strict=True, validate=validate.Range(min=0, max=maximum), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, bool):
            raise ValidationError("Must be a whole number.")
        return super()._deserialize(value, attr, data, **kwargs)
