"""The patients' check-in page through the test client: the same service as POST /me/reports."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import Alert, CheckIn, Report
from app.services.checkin_links import make_token
from tests.web.conftest import csrf_from, unlabelled


def _form(client, path: str) -> dict:
    html = client.get(path).get_data(as_text=True)
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_from(html), "client_id": client_id}


def _open(make_center, make_patient, make_check_in, jurisdiction="US", language="en", **check_in):
    patient = make_patient(
        make_center(
            jurisdiction=jurisdiction, timezone="America/New_York" if jurisdiction == "US" else "Europe/Madrid"
        ),
        language=language,
    ).patient
    row = make_check_in(patient, **check_in)
    return patient, row, f"/c/{make_token(row)}"


def test_it_asks_the_check_ins_questions(client, make_center, make_patient, make_check_in):
    _, _, path = _open(make_center, make_patient, make_check_in, asks=("vitals", "symptoms", "neuro", "ice"))
    html = client.get(path).get_data(as_text=True)
    for field in (
        'id="temperature"',
        'id="heart_rate"',
        'id="spo2"',
        'name="symptom-chills"',
        'name="neuro-confusion"',
        'id="ice-orientation"',
        'name="sign-blue_lips"',
    ):
        assert field in html, field
    assert 'value="F" checked' in html  # a US centre: °F first
    assert 'lang="en"' in html
    assert unlabelled(html) == []


def test_temperature_only_asks_no_heart_rate(client, make_center, make_patient, make_check_in):
    _, _, path = _open(make_center, make_patient, make_check_in, asks=("temperature",))
    html = client.get(path).get_data(as_text=True)
    assert 'id="temperature"' in html and 'id="heart_rate"' not in html


def test_a_fever_opens_an_urgent_alert_and_says_so(client, make_center, make_patient, make_check_in):
    patient, check_in, path = _open(make_center, make_patient, make_check_in)
    data = {**_form(client, path), "temperature": "38,6", "temperature_unit": "C", "symptom-chills": "1"}
    response = client.post(path, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-level="urgent"' in html and "Call your CAR T team now" in html
    report = db.session.query(Report).filter_by(patient_id=patient.id).one()
    assert (report.source, report.temperature_c, report.temperature_unit, report.check_in_id) == (
        "web",
        38.6,
        "C",
        check_in.id,
    )
    assert report.symptoms == {"chills": 1}
    alert = db.session.query(Alert).filter_by(patient_id=patient.id).one()
    assert (alert.level, alert.opening_report_id) == ("urgent", report.id)
    assert db.session.get(CheckIn, check_in.id).state == "completed"
    again = client.post(path, data=data)  # a double tap or a reload: the same answer, one report
    assert 'data-level="urgent"' in again.get_data(as_text=True)
    assert db.session.query(Report).filter_by(patient_id=patient.id).count() == 1
    assert "You already sent this check-in." in client.get(path).get_data(as_text=True)


def test_fahrenheit_is_kept_as_entered_and_graded_in_celsius(client, make_center, make_patient, make_check_in):
    patient, _, path = _open(make_center, make_patient, make_check_in)
    client.post(path, data={**_form(client, path), "temperature": "101.5", "temperature_unit": "F"})
    report = db.session.query(Report).filter_by(patient_id=patient.id).one()
    assert (report.temperature_raw, report.temperature_unit, round(report.temperature_c, 1)) == (101.5, "F", 38.6)
    assert report.level == "urgent"


def test_a_danger_sign_shows_the_emergency_instruction(client, make_center, make_patient, make_check_in):
    patient, _, path = _open(make_center, make_patient, make_check_in, jurisdiction="UK")
    html = client.post(path, data={**_form(client, path), "sign-blue_lips": "yes"}).get_data(as_text=True)
    assert 'data-level="emergency"' in html and 'role="alert"' in html
    assert 'href="tel:999"' in html  # the UK's emergency number
    assert db.session.query(Alert).filter_by(patient_id=patient.id).one().level == "emergency"


def test_wrong_answers_are_named_and_nothing_is_stored(client, make_center, make_patient, make_check_in):
    patient, _, path = _open(make_center, make_patient, make_check_in, asks=("vitals", "ice"))
    form = _form(client, path)
    for answers, field in (
        ({"temperature": "hot", "temperature_unit": "C"}, "temperature"),
        ({"temperature": "25", "temperature_unit": "C"}, "temperature"),
        ({"spo2": "120"}, "spo2"),
        ({"ice-orientation": "4"}, "ice"),
    ):
        response = client.post(path, data={**form, **answers})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, answers
        assert f'id="{field}-error"' in html and 'id="error-summary"' in html, answers
        assert 'aria-invalid="true"' in html
    assert db.session.query(Report).filter_by(patient_id=patient.id).count() == 0


def test_an_untouched_form_is_not_taken_for_a_report(client, make_center, make_patient, make_check_in):
    patient, check_in, path = _open(make_center, make_patient, make_check_in)
    response = client.post(path, data={**_form(client, path), "temperature_unit": "C", "reported_by": "patient"})
    assert response.status_code == 422
    assert "Please answer at least one question" in response.get_data(as_text=True)
    assert db.session.get(CheckIn, check_in.id).state == "pending"


def test_an_expired_link_is_refused_with_a_clear_page(client, frozen_clock, make_center, make_patient, make_check_in):
    _, check_in, path = _open(make_center, make_patient, make_check_in)
    form = _form(client, path)
    frozen_clock.set(check_in.window_ends_at + timedelta(minutes=1))
    for response in (client.get(path), client.post(path, data={**form, "temperature": "38.6"})):
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert "This check-in link has expired" in html and "tel:+16175550100" in html
    assert db.session.query(Report).count() == 0


def test_a_tampered_link_is_refused_with_a_clear_page(client, make_center, make_patient, make_check_in):
    _, _, path = _open(make_center, make_patient, make_check_in)
    response = client.get(path[:-2] + ("xx" if not path.endswith("xx") else "yy"))
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)


def test_a_link_followed_by_the_sentences_full_stop_still_works(client, make_center, make_patient, make_check_in):
    _, _, path = _open(make_center, make_patient, make_check_in)
    assert client.get(path + ".").status_code == 200


def test_a_cancelled_check_in_is_closed(client, make_center, make_patient, make_check_in):
    _, _, path = _open(make_center, make_patient, make_check_in, state="cancelled")
    response = client.get(path)
    assert response.status_code == 410 and "This check-in is closed" in response.get_data(as_text=True)


def test_the_check_in_form_needs_its_csrf_token(client, make_center, make_patient, make_check_in):
    patient, _, path = _open(make_center, make_patient, make_check_in)
    form = _form(client, path)
    response = client.post(path, data={"client_id": form["client_id"], "temperature": "38.6"})
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert db.session.query(Report).filter_by(patient_id=patient.id).count() == 0


def test_the_page_speaks_the_patients_language(client, frozen_clock, make_center, make_patient, make_check_in):
    patient, check_in, path = _open(make_center, make_patient, make_check_in, jurisdiction="EU", language="es")
    html = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="es"' in html and "Enviar mi control" in html and "Escalofríos o temblores" in html
    assert "domingo" in html  # the window's end, in Spanish, in the patient's zone
    assert 'value="C" checked' in html  # outside the US: °C first
    result = client.post(path, data={**_form(client, path), "temperature": "38,6"}).get_data(as_text=True)
    assert 'data-level="urgent"' in result and "Llame" in result and "Call your" not in result
    frozen_clock.set(check_in.window_ends_at)
    assert "Este enlace de control ha vencido" in client.get(path).get_data(as_text=True)
    refused = client.get("/c/nonsense", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert refused.status_code == 404 and 'lang="es"' in refused.get_data(as_text=True)
