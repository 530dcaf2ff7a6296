"""assess(): run every rule, then apply the cross-cutting policies (fever masking, late reports)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta

from app.rules import fever, late, missing, neuro, text, vitals
from app.rules.thresholds import Thresholds
from app.rules.types import Assessment, Finding, Lateness, Level, PatientContext, ReportInput

Rule = Callable[[ReportInput, PatientContext, Thresholds], Finding | None]

RULES: tuple[Rule, ...] = fever.RULES + vitals.RULES + neuro.RULES + late.RULES + missing.RULES


def assess(report: ReportInput, ctx: PatientContext, thresholds: Thresholds) -> Assessment:
    findings = [f for rule in RULES if (f := rule(report, ctx, thresholds)) is not None]
    if report.antipyretic_in_last_6h:
        findings.append(_masked_fever_finding())
    if not findings:  # the common quiet check-in
        return Assessment(Level.ROUTINE, (), report.neuro.ice_score, None, False)
    findings, late = _apply_lateness(findings, report, ctx, thresholds)
    # Most serious first, rule order otherwise, so the alert reads top-down.
    findings.sort(key=lambda f: -f.level)
    level = findings[0].level
    return Assessment(
        level=level,
        findings=tuple(findings),
        ice_score=report.neuro.ice_score,
        recheck_in_minutes=_recheck(findings, level),
        fever_may_be_masked=report.antipyretic_in_last_6h,
        late=late,
    )


def _masked_fever_finding() -> Finding:
    # fever_may_be_masked (docs/clinical-rules.md): antipyretics mask fever (ASTCT 2019), so
    # record the context and never lower a level because of it.
    summary = "Antipyretic taken in the last 6 h: a fever may be masked"
    return Finding("fever_may_be_masked", Level.ROUTINE, summary, {})


def _recheck(findings: Iterable[Finding], level: Level) -> int | None:
    # At urgent or above the team calls now; asking for a recheck would only invite waiting.
    if level >= Level.URGENT:
        return None
    minutes = [f.recheck_in_minutes for f in findings if f.recheck_in_minutes is not None]
    return min(minutes, default=None)


def _apply_lateness(
    findings: list[Finding], report: ReportInput, ctx: PatientContext, t: Thresholds
) -> tuple[list[Finding], Lateness | None]:
    """L1: say how late a report arrived, by the server's receipt time. Lateness never lowers a
    finding below urgent: no rule lowers a level because a report is late, the phone's clock may
    be wrong, and the team must reach the patient now to learn whether it is still going on."""
    if ctx.received_at is None or not findings:
        return findings, None
    delay = ctx.received_at - report.recorded_at
    if delay <= timedelta(minutes=t.late_report_minutes):
        return findings, None
    minutes = int(delay.total_seconds() // 60)
    stale = delay > timedelta(hours=t.late_report_relevance_hours)
    level_when_recorded = max(f.level for f in findings)
    late = Lateness(minutes=minutes, stale=stale, level_when_recorded=level_when_recorded)
    note = f" (recorded {text.duration(minutes)} before it was received)"
    return [_late(f, note, minutes, stale, t) for f in findings], late


def _late(finding: Finding, note: str, minutes: int, stale: bool, t: Thresholds) -> Finding:
    summary = finding.summary + note
    if not stale or finding.level < Level.URGENT:
        return replace(finding, summary=summary, late_by_minutes=minutes)
    # Stale: an emergency becomes urgent (the event may be over; the team calls now to find out,
    # and the patient is told to call emergency services if it is still going on); urgent stays.
    values = dict(finding.thresholds) | {"late_report_relevance_hours": t.late_report_relevance_hours}
    summary += " — late report: reach the patient now to learn whether it is still going on"
    if finding.level > Level.URGENT:
        summary += f" (was {finding.level.label} when recorded)"
    return replace(finding, summary=summary, level=Level.URGENT, thresholds=values, late_by_minutes=minutes)
