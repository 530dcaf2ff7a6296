"""The care team's alerts: the queue, one alert with its pages, acknowledge, resolve."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from app.api.errors import ApiError
from app.api.openapi import conflict
from app.api.pagination import page
from app.api.security import current_staff, load_patient_for_staff, requires
from app.extensions import db
from app.models import Alert, AlertStatus
from app.schemas.alert import (
    AlertDetailSchema,
    AlertListArgs,
    AlertOutSchema,
    AlertQueueItemSchema,
    PageArgs,
    ResolveSchema,
)
from app.schemas.presenters import alert_detail, alert_view
from app.services import audit
from app.services.access import alert_for_staff
from app.services.alert_queue import notifications_of, patient_alerts_query, queue_query, staff_names
from app.services.alerts import acknowledge, resolve
from app.services.baseline import baseline_notice
from app.timesource import utcnow

blp = Blueprint("alerts", __name__, url_prefix="/api/v1", description="Alerts for the care team")


def load_alert_for_staff(alert_id: int) -> Alert:
    return alert_for_staff(current_staff(), alert_id)


def alert_detail_of(alert: Alert) -> dict:
    notifications = notifications_of(alert)
    names = staff_names({n.staff_id for n in notifications})
    return alert_detail(alert, notifications, names, baseline_notice(alert.patient))


@blp.route("/alerts")
class Alerts(MethodView):
    @requires("staff")
    @blp.arguments(AlertListArgs, location="query")
    @blp.response(200, AlertQueueItemSchema(many=True))
    def get(self, args):
        """The queue: the caller's centre's alerts (platform administrators: all), most severe and oldest first."""
        # The patients in one more query: each row says when relative rules are off (R20).
        query = queue_query(current_staff(), args.get("status", "active"))
        alerts = page(query.options(selectinload(Alert.patient)), args)
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
        return alert_detail_of(alert)


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
        alerts = page(patient_alerts_query(patient), args)
        audit.record("alert.list", patient_id=patient.id)
        db.session.commit()
        return [alert_view(a) for a in alerts]
