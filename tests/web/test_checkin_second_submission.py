"""A second, different check-in sent in the same window: the caregiver's form,
opened before the patient sent theirs, is stored and graded as a report of its own."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import CheckIn, Report
from app.services.checkin_links import make_token
from tests.web.conftest import csrf_from


def test_a_caregivers_check_in_after_the_patients_is_stored_and_graded(
    client, make_center, make_patient, make_check_in
):
    patient = make_patient(make_center()).patient
    check_in = make_check_in(patient)
    path = f"/c/{make_token(check_in)}"

    def opened() -> dict:  # both phones open the link before either sends
        html = client.get(path).get_data(as_text=True)
        return {
            "csrf_token": csrf_from(html),
            "client_id": re.search(r'name="client_id" value="([^"]+)"', html).group(1),
        }

    patients_form, caregivers_form = opened(), opened()
    first = client.post(path, data={**patients_form, "temperature": "37.1", "temperature_unit": "C"})
    assert 'data-level="routine"' in first.get_data(as_text=True)
    second = client.post(path, data={**caregivers_form, "temperature": "38.7", "temperature_unit": "C"})
    assert 'data-level="urgent"' in second.get_data(as_text=True)
    reports = db.session.scalars(select(Report).where(Report.patient_id == patient.id).order_by(Report.id)).all()
    assert [(r.temperature_c, r.assessment["level"]) for r in reports] == [(37.1, "routine"), (38.7, "urgent")]
    assert db.session.get(CheckIn, check_in.id).completed_report_id == reports[0].id
