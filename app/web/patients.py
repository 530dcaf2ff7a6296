"""The patient list and the patient page (vitals charts, alerts, check-ins)."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from app.api.errors import ApiError
from app.extensions import db
from app.models import Alert, CheckIn, Patient, Report
from app.services import audit
from app.services.devices import reachability
from app.timesource import utcnow
from app.web.blueprints import staff_bp
from app.web.charts import SERIES, chart_data
from app.web.contacts import contact_history
from app.web.patient_data import summarise, visible_patients
from app.web.session import current_staff, staff_required

MAX_CHART_REPORTS = 2000  # a year of four-a-day check-ins and then some


def load_patient(patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None or not current_staff().can_see_center(patient.center_id):
        raise ApiError(404, "There is no such patient in your centre.")
    return patient


@staff_bp.route("/patients")
@staff_required()
def patients():
    now = utcnow()
    rows = summarise(visible_patients(current_staff()), now)
    audit.record("patient.list")
    db.session.commit()
    return render_template("web/patients.html", rows=rows, now=now)


@staff_bp.route("/patients/<int(max=2147483647):patient_id>")
@staff_required()
def patient(patient_id: int):
    now = utcnow()
    patient = load_patient(patient_id)
    reports = list(
        db.session.scalars(
            select(Report)
            .where(Report.patient_id == patient.id)
            .order_by(Report.recorded_at.desc(), Report.id.desc())
            .limit(MAX_CHART_REPORTS)
        )
    )
    alerts = list(
        db.session.scalars(select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.opened_at.desc()))
    )
    check_ins = list(
        db.session.scalars(select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.due_at))
    )
    summary = summarise([patient], now)[0]
    contacts = contact_history(patient.id, [a.id for a in alerts])
    audit.record("patient.read", patient_id=patient.id, target_type="patient", target_id=patient.id)
    db.session.commit()
    return render_template(
        "web/patient.html",
        s=summary,
        patient=patient,
        reports=reports[:30],
        alerts=alerts,
        check_ins=check_ins,
        chart=chart_data(patient, reports, alerts, check_ins, now),
        series=SERIES,
        now=now,
        reach=reachability(patient.id),
        contacts=contacts,
    )
