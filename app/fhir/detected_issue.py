"""An alert as a DetectedIssue: severity from the level, evidence pointing at the reports'
Observations and QuestionnaireResponse, and acknowledgement/resolution as mitigations."""

from __future__ import annotations

from app.fhir.common import concept, instant, meta, patient_ref, ref_to, sid, staff_ref, vigil_coding
from app.fhir.observations import report_observations
from app.fhir.questionnaire import questionnaire_response
from app.models import Alert, AlertEvent, AlertStatus, Report

# R4 DetectedIssue.severity is high | moderate | low; both paging levels are "high".
SEVERITY = {"emergency": "high", "urgent": "high", "same_day": "moderate", "routine": "low"}
LEVEL_LABEL = {"emergency": "Emergency", "urgent": "Urgent", "same_day": "Same-day", "routine": "Routine"}
DISPOSITION_LABEL = {
    "advice_given": "advice given",
    "seen_in_clinic": "seen in clinic",
    "sent_to_ed": "sent to the emergency department",
    "admitted": "admitted",
    "false_alarm": "false alarm",
    "other": "other",
}


def issue_id(alert_id: int) -> str:
    return f"issue-{alert_id}"


def report_resource_refs(report: Report) -> list[dict]:
    """References to everything a report became (its Observations, then its answers)."""
    built = [*report_observations(report), questionnaire_response(report)]
    return [ref_to(r) for r in built if r is not None]


def evidence_report_ids(alert: Alert) -> list[int]:
    """The opening report first, then every report that added findings, once each."""
    ids = [alert.opening_report_id] + [f.get("report_id") for f in alert.findings]
    return list(dict.fromkeys(i for i in ids if i is not None))


def _evidence_entry(findings: dict[str, str | None], report: Report | None) -> dict | None:
    entry: dict = {}
    if findings:
        entry["code"] = [concept(vigil_coding(rule), text=summary) for rule, summary in findings.items()]
    if report is not None and (refs := report_resource_refs(report)):
        entry["detail"] = refs
    return entry or None


def _evidence(alert: Alert, reports: dict[int, Report]) -> list[dict]:
    """One entry per report (its findings' rules and what it became); findings without a report
    (a missed check-in) are one entry of rules alone."""

    def findings_of(report_id: int | None) -> dict[str, str | None]:
        return {f["rule"]: f.get("summary") for f in alert.findings if f.get("report_id") == report_id}

    entries = [_evidence_entry(findings_of(rid), reports.get(rid)) for rid in evidence_report_ids(alert)]
    entries.append(_evidence_entry(findings_of(None), None))
    return [e for e in entries if e is not None]


def _mitigation(event: AlertEvent, staff_names: dict[int | None, str]) -> dict | None:
    if event.kind == "acknowledged":
        action = concept(vigil_coding("acknowledged", "Acknowledged by the care team"), text="Acknowledged")
    elif event.kind == "resolved":
        disposition = (event.data or {}).get("disposition", "other")
        action = concept(
            vigil_coding(f"resolved-{disposition}", f"Resolved: {DISPOSITION_LABEL.get(disposition)}"),
            text=f"Resolved: {DISPOSITION_LABEL.get(disposition, disposition)}",
        )
    else:
        return None
    return {
        "action": action,
        "date": instant(event.at),
        "author": staff_ref(event.staff_id, staff_names.get(event.staff_id)),
    }


def detected_issue(alert: Alert, reports: dict[int, Report], staff_names: dict[int | None, str]) -> dict:
    summaries = list(dict.fromkeys(f["summary"] for f in alert.findings if f.get("summary")))
    issue = {
        "resourceType": "DetectedIssue",
        "id": issue_id(alert.id),
        "meta": meta(alert.updated_at),  # set by every open/grow/upgrade/ack/resolve
        "identifier": [{"system": sid("alert"), "value": str(alert.id)}],
        # An active alert can still grow and be upgraded; it is final once resolved.
        "status": "final" if alert.status == AlertStatus.RESOLVED else "preliminary",
        "code": concept(
            vigil_coding(f"alert-{alert.kind}", "CAR T home-monitoring alert"),
            text=f"{LEVEL_LABEL.get(alert.level, alert.level)} alert",
        ),
        "severity": SEVERITY.get(alert.level, "high"),
        "patient": patient_ref(alert.patient_id),
        "identifiedDateTime": instant(alert.opened_at),
        "author": {"display": f"Vigil rules engine (protocol version {alert.protocol_version or 'n/a'})"},
    }
    if summaries:
        issue["detail"] = "; ".join(summaries)
    if evidence := _evidence(alert, reports):
        issue["evidence"] = evidence
    mitigations = [m for m in (_mitigation(e, staff_names) for e in alert.events) if m is not None]
    if mitigations:
        issue["mitigation"] = mitigations
    return issue
