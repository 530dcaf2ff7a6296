"""assess(): run every rule, then apply the cross-cutting policies (fever masking, late reports)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta

from app.rules import fever, late, missing, neuro, text, vitals
from app.rules.thresholds import Thresholds
from app.rules.types import Assessment, Finding, Level, PatientContext, ReportInput

Rule = Callable[[ReportInput, PatientContext, Thresholds], Finding | None]

RULES: tuple[Rule, ...] = fever.RULES + vitals.RULES + neuro.RULES + late.RULES + missing.RULES


def assess(report: ReportInput, ctx: PatientContext, thresholds: Thresholds) -> Assessment:
    findings = [f for rule in RULES if (f := rule(report, ctx, thresholds)) is not None]
    if report.antipyretic_in_last_6h:
        findings.append(_masked_fever_finding())
    if not findings:  # the common quiet check-in
        return Assessment(Level.ROUTINE, (), report.neuro.ice_score, None, False)
    findings = _apply_lateness(findings, report, ctx, thresholds)
    # Most serious first, rule order otherwise, so the alert reads top-down.
    findings.sort(key=lambda f: -f.level)
    level = findings[0].level
    return Assessment(
        level=level,
        findings=tuple(findings),
        ice_score=report.neuro.ice_score,
        recheck_in_minutes=_recheck(findings, level),
        fever_may_be_masked=report.antipyretic_in_last_6h,
    )


def _masked_fever_finding() -> Finding:
    # REFERENCE §6 implementation notes and §2.1: antipyretics mask fever, so record the
    # context and never lower a level because of it.
    summary = "Antipyretic taken in the last 6 h: a fever may be masked"
    return Finding("fever_may_be_masked", Level.ROUTINE, summary, {})


def _recheck(findings: Iterable[Finding], level: Level) -> int | None:
    # At urgent or above the team calls now; asking for a recheck would only invite waiting.
    if level >= Level.URGENT:
        return None
    minutes = [f.recheck_in_minutes for f in findings if f.recheck_in_minutes is not None]
    return min(minutes, default=None)


def _apply_lateness(findings: list[Finding], report: ReportInput, ctx: PatientContext, t: Thresholds) -> list[Finding]:
    """Say when a report arrived late; cap stale ones at SAME_DAY (review, not a page)."""
    if ctx.received_at is None or not findings:
        return findings
    delay = ctx.received_at - report.recorded_at
    if delay <= timedelta(minutes=t.late_report_minutes):
        return findings
    note = f" (recorded {text.duration(delay.total_seconds() / 60)} before it was received)"
    stale = delay > timedelta(hours=t.late_report_relevance_hours)
    return [_late(f, note, stale, t) for f in findings]


def _late(finding: Finding, note: str, stale: bool, t: Thresholds) -> Finding:
    summary = finding.summary + note
    if not stale:
        return replace(finding, summary=summary)
    summary += " — late report: for review"
    if finding.level <= Level.SAME_DAY:
        return replace(finding, summary=summary)
    values = dict(finding.thresholds) | {"late_report_relevance_hours": t.late_report_relevance_hours}
    summary += f", would have been {finding.level.label}"
    return replace(finding, summary=summary, level=Level.SAME_DAY, thresholds=values)
