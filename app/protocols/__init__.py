"""Monitoring protocols: the content format and its validation, the typed settings read from it
(with every default), the shipped defaults and how they reach the database."""

from __future__ import annotations

from app.protocols.content import ASKS, MISSED_LEVELS, ProtocolContentSchema, validate_content
from app.protocols.defaults import SHIPPED
from app.protocols.settings import ProtocolSettings

__all__ = ["ASKS", "MISSED_LEVELS", "SHIPPED", "ProtocolContentSchema", "ProtocolSettings", "validate_content"]
