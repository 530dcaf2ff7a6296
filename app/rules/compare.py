"""Threshold comparisons that tolerate floating-point noise.

A caller converting 100.4 °F gets 37.99999999999999 °C; R1 (docs/clinical-rules.md) says 100.4 °F is a
fever, so every "at or above" / "below" test allows a tiny tolerance, far below any
measurement resolution.
"""

from __future__ import annotations

EPSILON = 1e-6


def at_least(value: float, limit: float) -> bool:
    return value >= limit - EPSILON


def below(value: float, limit: float) -> bool:
    return value < limit - EPSILON
