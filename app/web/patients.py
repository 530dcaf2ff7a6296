"""The patient list and the patient page (vitals charts, alerts, check-ins)."""

from __future__ import annotations

from flask import render_template

from app.extensions import db
from app.models import Patient
from app.services import audit
from app.services.access import patient_for_staff
from app.services.alert_queue import alerts_of
from app.services.devices import reachability
from app.services.patient_records import check_ins_of, recent_reports, visible_patients
from app.timesource import utcnow
from app.web.blueprints import staff_bp
from app.web.charts import SERIES, chart_data
from app.web.contacts import contact_history
from app.web.patient_data import summarise
from app.web.session import current_staff, staff_required

MAX_CHART_REPORTS = 2000  # a year of four-a-day check-ins and then some


def load_patient(patient_id: int) -> Patient:
    return patient_for_staff(current_staff(), patient_id)


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
    reports = recent_reports(patient.id, MAX_CHART_REPORTS)
    alerts = alerts_of(patient)
    check_ins = check_ins_of(patient.id)
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
