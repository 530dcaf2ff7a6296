"""The alert queue (the care team's home page), and acknowledging and resolving from it."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from app.extensions import db
from app.models import Alert, AlertStatus
from app.services import audit
from app.services.access import alert_for_staff
from app.services.alert_queue import staff_names
from app.services.alerts import acknowledge, resolve
from app.timesource import utcnow
from app.web.blueprints import staff_bp
from app.web.forms import ActionForm, ResolveForm
from app.web.queue_data import queue_rows
from app.web.session import current_staff, safe_next, staff_required


def load_alert(alert_id: int) -> Alert:
    """404 for another centre's alert too, so its id does not leak (as the API)."""
    return alert_for_staff(current_staff(), alert_id)


@staff_bp.route("/")
@staff_required()
def queue():
    poll_ms = int(float(current_app.config.get("WEB_QUEUE_POLL_SECONDS", 3)) * 1000)
    rows = queue_rows(current_staff(), utcnow())
    page = render_template("web/queue.html", rows=rows, poll_ms=poll_ms)  # before the commit expires the rows
    # The page load is audited like GET /api/v1/alerts; its refreshes every few seconds are not,
    # or one open screen would write ~30,000 audit rows a day and bury every other event.
    audit.record("alert.queue", details={"count": len(rows), "via": "web"})
    db.session.commit()
    return page


@staff_bp.route("/queue/rows")
@staff_required(fragment=True)
def queue_fragment():
    """The queue's rows alone; queue.js fetches them every few seconds."""
    return render_template("web/_queue_rows.html", rows=queue_rows(current_staff(), utcnow()))


@staff_bp.route("/alerts/<int(max=2147483647):alert_id>/ack", methods=["POST"])
@staff_required()
def ack(alert_id: int):
    form = ActionForm()
    alert = load_alert(alert_id)
    if alert.status == AlertStatus.RESOLVED:
        flash("This alert was already resolved.", "info")
    elif acknowledge(alert, current_staff(), utcnow(), via="web"):
        audit.record("alert.ack", patient_id=alert.patient_id, target_type="alert", target_id=alert.id)
        db.session.commit()
        flash(f"Alert {alert.id} acknowledged: the escalation has stopped.", "success")
    else:  # a second acknowledgement changes nothing: say who took it, and audit the no-op
        first = staff_names({alert.acknowledged_by_id}).get(alert.acknowledged_by_id or 0)
        audit.record(
            "alert.ack",
            patient_id=alert.patient_id,
            target_type="alert",
            target_id=alert.id,
            details={"no_op": True, "via": "web", "acknowledged_by_id": alert.acknowledged_by_id},
        )
        db.session.commit()
        flash(f"This alert was already acknowledged by {first or 'someone'}.", "info")
    return redirect(safe_next(form.next.data))


@staff_bp.route("/alerts/<int(max=2147483647):alert_id>/resolve", methods=["POST"])
@staff_required()
def resolve_alert(alert_id: int):
    form = ResolveForm()
    alert = load_alert(alert_id)
    if not form.validate():
        flash(" ".join(m for messages in form.errors.values() for m in messages), "error")
        return redirect(url_for("web.alert", alert_id=alert.id))
    if alert.status == AlertStatus.RESOLVED:
        flash("This alert was already resolved.", "info")
        return redirect(safe_next(form.next.data))
    resolve(alert, current_staff(), form.disposition.data, form.note.data or None, utcnow())
    audit.record(
        "alert.resolve",
        patient_id=alert.patient_id,
        target_type="alert",
        target_id=alert.id,
        details={"disposition": form.disposition.data},
    )
    db.session.commit()
    flash(f"Alert {alert.id} resolved.", "success")
    return redirect(safe_next(form.next.data))
