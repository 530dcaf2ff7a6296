"""Look-ups in the patient's recent reports (PatientContext.recent, newest first)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from app.rules.types import PatientContext, ReportInput


def earlier_within(report: ReportInput, ctx: PatientContext, window: timedelta) -> Iterator[ReportInput]:
    """Reports recorded strictly before `report` and no more than `window` before it.

    Strictly before: a reading at the same instant is a duplicate, not a confirming recheck.
    """
    for prior in ctx.recent:
        gap = report.recorded_at - prior.recorded_at
        if timedelta(0) < gap <= window:
            yield prior


def minutes_before(report: ReportInput, prior: ReportInput) -> int:
    return int((report.recorded_at - prior.recorded_at).total_seconds() // 60)
