"""Monitoring protocols: the content format and its validation, the shipped defaults and how they
reach the database."""

from __future__ import annotations

from app.protocols.content import ASKS, MISSED_LEVELS, ProtocolContentSchema, validate_content
from app.protocols.defaults import SHIPPED

__all__ = ["ASKS", "MISSED_LEVELS", "SHIPPED", "ProtocolContentSchema", "validate_content"]
