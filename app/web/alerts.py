"""One alert: its findings, the assessment and thresholds that fired, every page, the report."""

from __future__ import annotations

from flask import render_template

from app.extensions import db
from app.fhir.handoff import handoff_summary
from app.fhir.record import load_record
from app.models import PRODUCT_DISPLAY
from app.rules import THRESHOLD_SPECS
from app.schemas.presenters import handoff_page, report_view
from app.services import audit
from app.services.alert_queue import notifications_of, opening_report, staff_names
from app.services.restrictions import day_after_infusion
from app.timesource import utcnow
from app.web.alert_timeline import timeline
from app.web.blueprints import staff_bp
from app.web.forms import DISPOSITION_LABELS
from app.web.queue import load_alert
from app.web.session import staff_required


@staff_bp.route("/alerts/<int(max=2147483647):alert_id>")
@staff_required()
def alert(alert_id: int):
    alert = load_alert(alert_id)
    patient = alert.patient
    notifications = notifications_of(alert)
    names = staff_names(
        {n.staff_id for n in notifications}
        | {e.staff_id for e in alert.events}
        | {alert.acknowledged_by_id, alert.resolved_by_id}
    )
    report = opening_report(alert)
    audit.record("alert.read", patient_id=alert.patient_id, target_type="alert", target_id=alert.id)
    db.session.commit()
    return render_template(
        "web/alert.html",
        alert=alert,
        patient=patient,
        names=names,
        day=day_after_infusion(patient.infused_at, alert.opened_at, patient.timezone),
        product=PRODUCT_DISPLAY.get(patient.product, patient.product),
        timeline=timeline(list(alert.events), notifications, names),
        report=report_view(report) if report else None,
        specs=THRESHOLD_SPECS,
        now=utcnow(),
        dispositions=DISPOSITION_LABELS,
    )


@staff_bp.route("/alerts/<int(max=2147483647):alert_id>/handoff")
@staff_required()
def handoff(alert_id: int):
    """The printable ED hand-off page, from the alert page (the same page the API serves)."""
    alert = load_alert(alert_id)
    response = handoff_page(handoff_summary(load_record(alert.patient), alert, utcnow()))
    audit.record(
        "alert.handoff",
        patient_id=alert.patient_id,
        target_type="alert",
        target_id=alert.id,
        details={"format": "html"},
    )
    db.session.commit()
    return response
