"""Small builders so each table row states only what matters for its rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from app.rules import (
    Baseline,
    IceParts,
    Level,
    Neuro,
    PatientContext,
    ReportInput,
    Signs,
    Thresholds,
    Vitals,
    assess,
)

T0 = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)

TARGETS = {
    "kymriah": "CD19",
    "yescarta": "CD19",
    "tecartus": "CD19",
    "breyanzi": "CD19",
    "aucatzyl": "CD19",
    "abecma": "BCMA",
    "carvykti": "BCMA",
}

_NEURO_FLAGS = {f.name for f in fields(Neuro)} - {"ice"}
_SIGN_FLAGS = {f.name for f in fields(Signs)}


def ice(score: int) -> IceParts:
    """An ICE result with the given total, filling domains in order."""
    parts = {}
    left = score
    for name, maximum in (("orientation", 4), ("naming", 3), ("commands", 1), ("writing", 1), ("attention", 1)):
        parts[name] = min(left, maximum)
        left -= parts[name]
    return IceParts(**parts)


def report(
    *,
    at: datetime = T0,
    minutes_before: float = 0,
    temp: float | None = None,
    hr: float | None = None,
    sbp: float | None = None,
    spo2: float | None = None,
    weight: float | None = None,
    ice_score: int | None = None,
    symptoms: Mapping[str, int] | None = None,
    antipyretic: bool = False,
    **flags: bool,
) -> ReportInput:
    unknown = set(flags) - _NEURO_FLAGS - _SIGN_FLAGS
    assert not unknown, f"unknown flag(s) {unknown}"
    neuro = Neuro(
        ice=ice(ice_score) if ice_score is not None else None,
        **{k: v for k, v in flags.items() if k in _NEURO_FLAGS},
    )
    signs = Signs(**{k: v for k, v in flags.items() if k in _SIGN_FLAGS})
    return ReportInput(
        recorded_at=at - timedelta(minutes=minutes_before),
        vitals=Vitals(temperature_c=temp, heart_rate=hr, systolic_bp=sbp, spo2=spo2, weight_kg=weight),
        symptoms=dict(symptoms or {}),
        neuro=neuro,
        signs=signs,
        antipyretic_in_last_6h=antipyretic,
    )


def context(
    product: str = "yescarta",
    day: int = 5,
    *,
    baseline: Baseline | None = None,
    recent: Sequence[ReportInput] = (),
    received_at: datetime | None = None,
    local_tz: tzinfo | None = None,
) -> PatientContext:
    return PatientContext(
        product=product,
        target=TARGETS[product],
        day_after_infusion=day,
        jurisdiction="US",
        baseline=baseline or Baseline(),
        recent=tuple(recent),
        received_at=received_at,
        local_tz=local_tz,
    )


def fired(rep: ReportInput, ctx: PatientContext | None = None, **overrides: Any) -> dict[str, Level]:
    """rule id → level of every finding for this report."""
    result = assess(rep, ctx or context(), Thresholds.from_dict(overrides))
    return {f.rule: f.level for f in result.findings}
