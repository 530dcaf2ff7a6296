"""Stored rows as the API's response schemas (app/schemas/) and the web pages show them: one
presenter per resource, used by both front doors. Pure: the rows a presenter needs are loaded by
the caller (app/services/)."""

from __future__ import annotations

from flask import Response, render_template

from app.models import Alert, Notification, Report

REPORT_COLUMNS = (
    "id",
    "client_id",
    "recorded_at",
    "received_at",
    "reported_by",
    "source",
    "check_in_id",
    "symptoms",
    "neuro",
    "signs",
    "ice_score",
    "antipyretic_in_last_6h",
    "note",
    "level",
    "graded",
    "assessment",
    "alert_id",
)
VITAL_COLUMNS = ("temperature_c", "heart_rate", "systolic_bp", "diastolic_bp", "spo2", "respiratory_rate", "weight_kg")
ALERT_COLUMNS = (
    "id",
    "patient_id",
    "center_id",
    "kind",
    "status",
    "level",
    "ack_code",
    "findings",
    "opened_at",
    "updated_at",
    "upgraded_at",
    "upgrade_count",
    "acknowledged_at",
    "acknowledged_by_id",
    "resolved_at",
    "resolved_by_id",
    "disposition",
    "resolution_note",
    "protocol_id",
    "protocol_version",
    "opening_report_id",
)
NOTIFICATION_COLUMNS = (
    "id",
    "purpose",
    "staff_id",
    "to_phone",
    "state",
    "provider_sid",
    "provider_status",
    "error_code",
    "escalation_step",
    "escalation_round",
    "attempts",
    "created_at",
    "sent_at",
    "final_at",
    "attempts_log",
)
# The hand-off page is one file: inline styles only, nothing fetched, nothing run.
HANDOFF_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"


def report_view(report: Report) -> dict:
    vitals = {c: getattr(report, c) for c in VITAL_COLUMNS if getattr(report, c) is not None}
    if report.temperature_unit:
        vitals.update(temperature_raw=report.temperature_raw, temperature_unit=report.temperature_unit)
    return {
        **{c: getattr(report, c) for c in REPORT_COLUMNS},
        "vitals": vitals,
        "not_measured": list(report.not_measured or ()),
    }


def alert_view(alert: Alert) -> dict:
    return {
        **{c: getattr(alert, c) for c in ALERT_COLUMNS},
        "escalation": {
            "state": alert.escalation_state,
            "step": alert.escalation_step + 1,
            "round": alert.escalation_round + 1,
            "next_step_at": alert.next_step_at,
            "policy_source": (alert.escalation_snapshot or {}).get("source"),
        },
    }


def alert_detail(
    alert: Alert, notifications: list[Notification], names: dict[int, str], baseline_notice: str | None
) -> dict:
    """The alert with what fired it and every page (`names`: staff names by id)."""
    return {
        **alert_view(alert),
        "assessment": alert.assessment,
        "thresholds_snapshot": alert.thresholds_snapshot,
        "baseline_notice": baseline_notice,
        "escalation_snapshot": alert.escalation_snapshot,
        "events": alert.events,
        "notifications": [
            {**{c: getattr(n, c) for c in NOTIFICATION_COLUMNS}, "staff_name": _name(n, names)} for n in notifications
        ],
    }


def _name(notification: Notification, names: dict[int, str]) -> str | None:
    return names.get(notification.staff_id) if notification.staff_id is not None else None


def private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # health data: no shared or browser caches
    return response


def handoff_page(summary: dict) -> Response:
    """The printable ED hand-off (app/fhir/handoff.py's summary), the same page from the API and the web."""
    page = Response(render_template("handoff.html", s=summary), mimetype="text/html")
    page.headers["Content-Security-Policy"] = HANDOFF_CSP
    return private(page)
