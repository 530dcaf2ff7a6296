"""The patient list and the patient page through the test client (the charts: test_browser)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from app.timesource import utcnow
from tests.personas import report_body
from tests.web.conftest import unlabelled


def _with_history(client, patient, make_check_in, past: tuple, upcoming: tuple):
    """A patient infused two days ago (America/New_York) with one quiet report, check-ins in the
    given states `hours` ago, and open check-ins due at now + each of `upcoming`."""
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 37.1}), headers=patient.headers)
    now = utcnow()
    for hours, state in past:
        make_check_in(patient.patient, due=now - timedelta(hours=hours), state=state)
    for offset in upcoming:
        make_check_in(patient.patient, due=now + offset)
    return patient


def test_the_list_shows_day_phase_restrictions_last_report_next_check_in_and_adherence(
    client, make_center, make_staff, make_patient, make_check_in, web_sign_in
):
    center = make_center()
    patient = _with_history(
        client,
        make_patient(center),
        make_check_in,
        ((30, "completed"), (26, "completed"), (22, "missed"), (18, "excused"), (14, "completed")),
        upcoming=(timedelta(minutes=-30), timedelta(hours=4)),
    )  # the first is open: not due yet
    web_sign_in(make_staff("nurse", center))
    html = client.get("/patients").get_data(as_text=True)
    row = re.search(rf'<tr data-patient-id="{patient.id}">(.*?)</tr>', html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[1] == ["2"]  # day after infusion
    assert cells[2] == ["days-0-7"]
    assert cells[3] == cells[4] == cells[5] == ["2026-12-04"]  # day 0 = 20 Nov local + 14 days (US)
    assert "Sun" in cells[6] and "Routine" in cells[6]  # the last report, with its level
    assert "10:00" in " ".join(cells[6])  # 15:00 UTC = 10:00 in New York
    assert "09:30" in " ".join(cells[7])  # the open check-in is the next one to answer
    assert 'data-done="3" data-due="4"' in row  # excused does not count; the open one is not due yet
    assert "3/4 (75%)" in row


def test_the_patient_page_shows_restrictions_last_report_next_check_in_and_adherence(
    client, make_center, make_staff, make_patient, make_check_in, web_sign_in
):
    center = make_center()
    patient = _with_history(
        client,
        make_patient(center),
        make_check_in,
        ((30, "completed"), (22, "missed"), (18, "excused"), (14, "completed")),
        upcoming=(timedelta(hours=1),),
    )  # before the schedule's first (12:00)
    web_sign_in(make_staff("nurse", center))
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    facts_html = re.search(r'<dl class="facts" id="patient-facts">(.*?)</dl>', html, re.S).group(1)
    facts = {
        re.sub(r"<[^>]+>", "", dt).strip(): " ".join(re.sub(r"<[^>]+>", " ", dd).split())
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", facts_html, re.S)
    }
    assert facts["Day after infusion"] == "2" and facts["Phase"] == "days-0-7"
    assert facts["Near the centre until"] == facts["No driving until"] == "2026-12-04"  # US: 14 days (R18)
    assert "10:00" in facts["Last report"]  # 15:00 UTC = 10:00 in New York
    assert "11:00" in facts["Next check-in"]  # now + 1 h, local
    assert facts["Adherence"].startswith("2/3 (67%)")  # excused does not count as due


def test_the_patient_page_has_its_facts_and_chart_data(client, make_center, make_staff, make_patient, web_sign_in):
    center = make_center()
    patient = make_patient(center)
    client.post(
        "/api/v1/me/reports",
        json=report_body(vitals={"temperature_c": 38.2, "heart_rate": 96}),
        headers=patient.headers,
    )
    web_sign_in(make_staff("clinician", center))
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S).group(1))
    assert [p["y"] for p in data["series"]["temperature"]["points"]] == [38.2]
    assert [p["y"] for p in data["series"]["heart_rate"]["points"]] == [96]
    assert data["x"] == {"min": 0, "max": 15} and data["fever_c"] == 38.0
    assert len(data["alerts"]) == 1 and data["alerts"][0]["level"] == "urgent"
    assert 'id="chart-temperature"' in html and "vendor/chart.umd.js" in html
    assert unlabelled(html) == []


def test_the_patient_page_says_when_check_ins_are_excused_and_why(
    client, login, make_center, make_staff, make_patient, web_sign_in
):
    center = make_center()
    patient = make_patient(center)
    nurse = make_staff("nurse", center)
    until = utcnow() + timedelta(days=2)
    client.patch(
        f"/api/v1/patients/{patient.id}",
        headers=login(nurse),
        json={"check_ins_excused_until": until.isoformat(), "check_ins_excused_reason": "Readmitted"},
    )
    web_sign_in(nurse)
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    excused = re.search(r'<dd id="excused">(.*?)</dd>', html, re.S).group(1)
    assert "Tue 24 Nov 10:00" in excused and "Readmitted" in excused  # 15:00 UTC + 2 days, New York
