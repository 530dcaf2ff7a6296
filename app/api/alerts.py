"""The care team's alerts: the queue, one alert with its pages, acknowledge, resolve."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.errors import ApiError
from app.api.openapi import conflict
from app.api.pagination import page
from app.api.security import current_staff, load_patient_for_staff, requires
from app.extensions import db
from app.models import Alert, AlertStatus, Notification, StaffUser, most_serious_first
from app.schemas.alert import (
    AlertDetailSchema,
    AlertListArgs,
    AlertOutSchema,
    AlertQueueItemSchema,
    PageArgs,
    ResolveSchema,
)
from app.services import audit
from app.services.alerts import acknowledge, resolve
from app.services.baseline import baseline_notice
from app.timesource import utcnow

blp = Blueprint("alerts", __name__, url_prefix="/api/v1", description="Alerts for the care team")

LEVEL_ORDER = most_serious_first(Alert.level)


def load_alert_for_staff(alert_id: int) -> Alert:
    alert = db.session.get(Alert, alert_id)
    if alert is None or not current_staff().can_see_center(alert.center_id):
        raise ApiError(404, "Alert not found.")
    return alert


def alert_view(alert: Alert) -> dict:
    columns = (
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
    return {
        **{c: getattr(alert, c) for c in columns},
        "escalation": {
            "state": alert.escalation_state,
            "step": alert.escalation_step + 1,
            "round": alert.escalation_round + 1,
            "next_step_at": alert.next_step_at,
            "policy_source": (alert.escalation_snapshot or {}).get("source"),
        },
    }


def alert_detail(alert: Alert) -> dict:
    notifications = db.session.scalars(
        select(Notification).where(Notification.alert_id == alert.id).order_by(Notification.id)
    ).all()
    names = {
        u.id: u.name or u.email
        for u in db.session.scalars(
            select(StaffUser).where(StaffUser.id.in_({n.staff_id for n in notifications if n.staff_id}))
        )
    }
    from app.services.baseline import baseline_notice

    return {
        **alert_view(alert),
        "assessment": alert.assessment,
        "thresholds_snapshot": alert.thresholds_snapshot,
        "baseline_notice": baseline_notice(alert.patient),
        "escalation_snapshot": alert.escalation_snapshot,
        "events": alert.events,
        "notifications": [
            {
                **{
                    c: getattr(n, c)
                    for c in (
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
                },
                "staff_name": names.get(n.staff_id),
            }
            for n in notifications
        ],
    }


def _queue_query(args: dict, center_ids: list[int] | None):
    status = args.get("status", "active")
    query = select(Alert)
    if status == "active":
        query = query.where(Alert.status != AlertStatus.RESOLVED)
    else:
        query = query.where(Alert.status == status)
    if center_ids is not None:
        query = query.where(Alert.center_id.in_(center_ids))
    # The queue's order: emergencies first, then urgent, then same-day; oldest first within a level.
    return query.order_by(LEVEL_ORDER, Alert.opened_at, Alert.id)


@blp.route("/alerts")
class Alerts(MethodView):
    @requires("staff")
    @blp.arguments(AlertListArgs, location="query")
    @blp.response(200, AlertQueueItemSchema(many=True))
    def get(self, args):
        """The queue: the caller's centre's alerts (platform administrators: all), most severe and oldest first."""
        staff = current_staff()
        centers = None if staff.is_platform_admin else [staff.center_id]
        # The patients in one more query: each row says when relative rules are off (R20).
        alerts = page(_queue_query(args, centers).options(selectinload(Alert.patient)), args)
        rows = [{**alert_view(a), "baseline_notice": baseline_notice(a.patient)} for a in alerts]
        audit.record("alert.queue", details={"count": len(alerts)})
        db.session.commit()
        return rows


@blp.route("/alerts/<int(max=2147483647):alert_id>")
class AlertItem(MethodView):
    @requires("staff")
    @blp.response(200, AlertDetailSchema)
    def get(self, alert_id):
        """Findings, the snapshot that fired, escalation state and every page with its delivery status."""
        alert = load_alert_for_staff(alert_id)
        audit.record("alert.read", patient_id=alert.patient_id, target_type="alert", target_id=alert.id)
        db.session.commit()
        return alert_detail(alert)


@blp.route("/alerts/<int(max=2147483647):alert_id>/ack")
class AlertAck(MethodView):
    @requires("staff")
    @blp.response(200, AlertOutSchema)
    @blp.doc(responses=conflict("The alert is already resolved (`already_resolved`)."))
    def post(self, alert_id):
        """Acknowledge: the escalation stops and everyone already paged is told who took it."""
        alert = load_alert_for_staff(alert_id)
        if alert.status == AlertStatus.RESOLVED:
            raise ApiError(409, "This alert is already resolved.", code="already_resolved")
        first_by = alert.acknowledged_by_id
        if acknowledge(alert, current_staff(), utcnow(), via="api"):
            audit.record("alert.ack", patient_id=alert.patient_id, target_type="alert", target_id=alert.id)
        else:  # already acknowledged: nothing changes; the answer names who took it (acknowledged_by_id)
            audit.record(
                "alert.ack",
                patient_id=alert.patient_id,
                target_type="alert",
                target_id=alert.id,
                details={"no_op": True, "via": "api", "acknowledged_by_id": first_by},
            )
        db.session.commit()
        return alert_view(alert)


@blp.route("/alerts/<int(max=2147483647):alert_id>/resolve")
class AlertResolve(MethodView):
    @requires("staff")
    @blp.arguments(ResolveSchema)
    @blp.response(200, AlertOutSchema)
    @blp.doc(responses=conflict("The alert is already resolved (`already_resolved`)."))
    def post(self, data, alert_id):
        """Close the alert with a disposition (and a note)."""
        alert = load_alert_for_staff(alert_id)
        resolve(alert, current_staff(), data["disposition"], data.get("note"), utcnow())
        audit.record(
            "alert.resolve",
            patient_id=alert.patient_id,
            target_type="alert",
            target_id=alert.id,
            details={"disposition": data["disposition"]},
        )
        db.session.commit()
        return alert_view(alert)


@blp.route("/patients/<int(max=2147483647):patient_id>/alerts")
class PatientAlerts(MethodView):
    @requires("staff")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AlertOutSchema(many=True))
    def get(self, args, patient_id):
        """A patient's alerts, newest first."""
        patient = load_patient_for_staff(patient_id)
        alerts = page(
            select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.opened_at.desc(), Alert.id.desc()), args
        )
        audit.record("alert.list", patient_id=patient.id)
        db.session.commit()
        return [alert_view(a) for a in alerts]
