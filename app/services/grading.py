"""Between stored reports and the pure rules engine: build its inputs, render its outputs."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, func, literal_column, select, union_all

from app.extensions import db
from app.models import PRODUCT_DISPLAY, PRODUCT_TARGET, Patient, Protocol, Report
from app.rules import (
    Assessment,
    Baseline,
    IceParts,
    InstructionContext,
    Neuro,
    PatientContext,
    ReportInput,
    Signs,
    Thresholds,
    Vitals,
    assess,
    render_instructions,
)
from app.rules.missing import ACUTE_LAST_DAY_OTHERWISE
from app.services.reachability import phone_or_fallback
from app.services.restrictions import day_after_infusion, local_infusion_date

log = logging.getLogger(__name__)

# The longest look-back any rule can be configured to need (R14's diarrhoea window at most).
HISTORY_WINDOW = timedelta(days=30)
HISTORY_LIMIT = 60
HISTORY_COLUMNS = (
    "recorded_at",
    *("temperature_c", "heart_rate", "systolic_bp", "diastolic_bp", "spo2", "respiratory_rate", "weight_kg"),
    "symptoms",
    "neuro",
    "signs",
    "antipyretic_in_last_6h",
)
VITAL_COLUMNS = ("temperature_c", "heart_rate", "systolic_bp", "diastolic_bp", "spo2", "respiratory_rate", "weight_kg")


@lru_cache(maxsize=256)
def _thresholds_for(protocol_id: int, frozen_overrides: tuple) -> Thresholds:
    # Protocol versions are immutable, so their parsed thresholds can be cached by id. A version
    # stored before a setting got its safe direction is graded at the safe value.
    return Thresholds.for_grading(dict(frozen_overrides))


def thresholds_of(protocol: Protocol) -> Thresholds:
    overrides = protocol.settings.thresholds
    return _thresholds_for(protocol.id, tuple(sorted(overrides.items())))


def history_window(thresholds: Thresholds, product: str) -> timedelta:
    """How far back this patient's rules look: hours for most, R14's days only for Carvykti.
    Reading less history is most of what keeps grading cheap."""
    window = max(
        timedelta(hours=thresholds.dizziness_lookback_hours),
        timedelta(
            minutes=max(
                thresholds.low_grade_recheck_window_minutes,
                thresholds.tachycardia_repeat_window_minutes,
                thresholds.hypotension_repeat_window_minutes,
            )
        ),
    )
    if product == "carvykti":
        window = max(window, timedelta(days=thresholds.iec_diarrhea_window_days))
    return window


def report_input(report: Report | Row[*tuple[Any, ...]]) -> ReportInput:
    neuro = dict(report.neuro or {})
    ice = neuro.pop("ice", None)
    return ReportInput(
        recorded_at=report.recorded_at,
        vitals=Vitals(**{c: getattr(report, c) for c in VITAL_COLUMNS}),
        symptoms={k: v for k, v in (report.symptoms or {}).items() if v is not None},
        neuro=Neuro(**neuro, ice=IceParts(**ice) if ice else None),
        signs=Signs(**(report.signs or {})),
        antipyretic_in_last_6h=bool(report.antipyretic_in_last_6h),
        # History rows do not carry it; only the report being graded needs it (R12's wording).
        not_measured=frozenset(getattr(report, "not_measured", None) or ()),
    )


def recent_inputs(
    patient_id: int, before: datetime, exclude_id: int | None = None, window: timedelta = HISTORY_WINDOW
) -> list[ReportInput]:
    """The patient's earlier reports within `window`, newest first, read as plain rows."""
    columns = [getattr(Report, c) for c in HISTORY_COLUMNS]
    query = (
        select(Report.id, *columns)
        .where(Report.patient_id == patient_id, Report.recorded_at < before, Report.recorded_at >= before - window)
        .order_by(Report.recorded_at.desc())
        .limit(HISTORY_LIMIT)
    )
    return [report_input(row) for row in db.session.execute(query) if row.id != exclude_id]


def _history_and_retry_statement():
    table = Report.__table__
    columns = [table.c.id, *(table.c[c] for c in HISTORY_COLUMNS)]
    recent = (
        select(*columns, literal_column("0").label("retry_of"))
        .where(
            table.c.patient_id == bindparam("patient_id"),
            table.c.recorded_at < bindparam("before"),
            table.c.recorded_at >= bindparam("since"),
        )
        .order_by(table.c.recorded_at.desc())
        .limit(HISTORY_LIMIT)
        .subquery()
    )
    stored = select(*columns, literal_column("1")).where(
        table.c.patient_id == bindparam("patient_id"), table.c.client_id == bindparam("client_id")
    )
    return union_all(select(recent), stored)


# Built once: constructing a statement costs more Python than running a cached one.
_HISTORY_AND_RETRY = _history_and_retry_statement()


def history_and_retry(patient_id: int, before: datetime, window: timedelta, client_id: str) -> tuple[list, int | None]:
    """The rows `recent_inputs` reads, for a report not stored yet, and, in the same statement,
    the id of the patient's report already stored under `client_id` (a retry) if there is one
    (the idempotency check was a statement of its own). The rows go to `grade`."""
    rows = list(
        db.session.execute(
            _HISTORY_AND_RETRY,
            {"patient_id": patient_id, "before": before, "since": before - window, "client_id": client_id},
        )
    )
    retry_of = next((row.id for row in rows if row.retry_of), None)
    if retry_of is not None:
        return [], retry_of
    # UNION ALL promises no order: sorted (stably) as the history query orders them.
    rows.sort(key=lambda row: row.recorded_at, reverse=True)
    return rows, None


def last_temperature_at(patient_id: int, before: datetime) -> datetime | None:
    """When the patient last gave a temperature before `before`, however long ago (R12)."""
    return db.session.scalar(
        select(func.max(Report.recorded_at)).where(
            Report.patient_id == patient_id, Report.temperature_c.is_not(None), Report.recorded_at < before
        )
    )


def patient_context(patient: Patient, report: Report, recent: list[ReportInput]) -> PatientContext:
    base = patient.baseline or {}
    day = day_after_infusion(patient.infused_at, report.recorded_at, patient.timezone)
    # R12 needs the last temperature only when this report has none, inside the acute window:
    # one indexed query, and none for the usual report with a temperature.
    gap_check = report.temperature_c is None and 0 <= day <= ACUTE_LAST_DAY_OTHERWISE
    return PatientContext(
        product=patient.product,
        target=PRODUCT_TARGET[patient.product],
        day_after_infusion=day,
        jurisdiction=patient.center.jurisdiction,
        # R12 counts its gap to the receipt time of a late report (app/rules/missing.py).
        last_temperature_at=last_temperature_at(
            patient.id, max(report.recorded_at, report.received_at or report.recorded_at)
        )
        if gap_check
        else None,
        monitoring_since=max(patient.infused_at, patient.created_at) if patient.created_at else patient.infused_at,
        baseline=Baseline(**{k: base.get(k) for k in ("systolic_bp", "heart_rate", "spo2", "ice_score", "weight_kg")}),
        recent=tuple(recent),
        received_at=report.received_at,
        local_tz=ZoneInfo(patient.timezone),
    )


def grade(patient: Patient, report: Report, protocol: Protocol, history: list | None = None) -> Assessment:
    """`history`, when given, is the rows `history_and_retry` already read for this report."""
    thresholds = thresholds_of(protocol)
    if history is None:
        recent = recent_inputs(
            patient.id, report.recorded_at, exclude_id=report.id, window=history_window(thresholds, patient.product)
        )
    else:
        recent = [report_input(row) for row in history]
    return assess(report_input(report), patient_context(patient, report, recent), thresholds)


def instruction_context(patient: Patient) -> InstructionContext:
    infusion_day = local_infusion_date(patient.infused_at, patient.timezone)
    return InstructionContext(
        language=patient.language,
        center_phone=phone_or_fallback(patient.center, patient.language),
        product_display=PRODUCT_DISPLAY[patient.product],
        infusion_date=infusion_day.isoformat(),
    )


def instructions_for(patient: Patient, assessment: Assessment) -> str:
    """The patient's instructions in their language; in English if that rendering fails (a broken
    translation must never cost a report: the English wording is the one the tests pin)."""
    context = instruction_context(patient)
    try:
        return render_instructions(assessment, context)
    except Exception:  # noqa: BLE001 - fail toward the report being stored and the patient told
        if context.language == "en":
            raise
        log.exception("instructions in %r failed; answering in English", context.language)
        return render_instructions(assessment, replace(context, language="en"))
