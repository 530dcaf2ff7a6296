"""Missing data is a finding, in headless Chromium: "can't measure" on the
check-in page, and "relative rules off: no baseline" and "can't measure" on the patient page,
the alert page and the hand-off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, Report
from app.services.checkin_links import make_token
from tests.personas import PASSWORD, report_body
from tests.web.conftest import assert_accessible, csrf_from

FULL_BASELINE = {"systolic_bp": 122, "spo2": 98, "ice_score": 10, "handwriting_sample": True}


def _sign_in(page, user) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Alert queue")).to_be_visible()


def test_cant_measure_on_the_check_in_page_then_on_every_staff_page(
    new_page, client, frozen_clock, make_center, make_staff, make_patient, make_check_in, on_call
):
    center = make_center()
    on_call(center)
    patient = make_patient(center)  # enrolled without a baseline
    temperature = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 36.8}), headers=patient.headers
    )
    assert temperature.status_code == 201
    frozen_clock.advance(hours=9)
    check_in = make_check_in(patient.patient, due=frozen_clock.now, asks=("vitals", "symptoms"))

    page = new_page(360, 760)
    page.goto(f"/c/{make_token(check_in)}")
    page.locator("#cant_measure-temperature").check()
    page.locator("#cant_measure-spo2").check()
    page.get_by_label("Heart rate (beats per minute)").fill("84")
    assert_accessible(page)
    page.get_by_role("button", name="Send my check-in").click()
    banner = page.locator("#result-banner")
    expect(banner).to_have_attribute("data-level", "same_day")  # R12: no temperature for 9 h
    report = db.session.scalar(select(Report).where(Report.check_in_id == check_in.id))
    assert report.not_measured == ["spo2", "temperature"] and report.heart_rate == 84
    assert report.temperature_c is None and report.spo2 is None
    alert = db.session.get(Alert, report.alert_id)
    assert alert.level == "same_day"
    assert any(f["rule"] == "R12_vitals_not_measured" for f in report.assessment["findings"])

    staff = new_page(1280, 900)
    _sign_in(staff, make_staff("nurse", center))
    staff.goto(f"/patients/{patient.id}")
    expect(staff.locator("#baseline-notice")).to_contain_text("Relative rules off: no baseline")
    expect(staff.locator("#baseline-notice")).to_contain_text("handwriting sample")
    expect(staff.locator(f'tr[data-report-id="{report.id}"] td.not-measured')).to_have_text("Temperature, SpO2")
    assert_accessible(staff)

    staff.goto(f"/alerts/{alert.id}")
    expect(staff.locator("#baseline-notice")).to_contain_text("Relative rules off: no baseline")
    expect(staff.locator("#findings")).to_contain_text("vitals not measured")
    rows = staff.locator("#opening-report ~ .table-wrap tr.not-measured")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("can't measure")
    assert_accessible(staff)

    staff.get_by_role("link", name=re.compile("hand-off")).click()
    expect(staff.locator("#baseline-notice")).to_contain_text("Relative rules off: no baseline")
    expect(staff.locator("table.timeline")).to_contain_text("can't measure")


def test_a_patient_with_a_full_baseline_shows_no_notice(
    new_page, client, make_center, make_staff, make_patient, on_call
):
    center = make_center()
    on_call(center)
    patient = make_patient(center, baseline=FULL_BASELINE)
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patient.headers
    )
    page = new_page()
    _sign_in(page, make_staff("nurse", center))
    page.goto(f"/patients/{patient.id}")
    expect(page.locator("#patient-facts")).to_be_visible()
    expect(page.locator("#baseline-notice")).to_have_count(0)
    page.goto(f"/alerts/{response.json['alert']['id']}")
    expect(page.locator("#findings")).to_be_visible()
    expect(page.locator("#baseline-notice")).to_have_count(0)


def test_a_ticked_box_next_to_a_number_is_refused_by_name(
    client, frozen_clock, make_center, make_patient, make_check_in
):
    patient = make_patient(make_center())
    check_in = make_check_in(patient.patient, asks=("vitals",))
    path = f"/c/{make_token(check_in)}"
    page = client.get(path).get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "client_id": f"web-{check_in.id}-x1",
        "temperature_unit": "C",
        "temperature": "37.0",
        "cant_measure-temperature": "yes",
        "systolic_bp": "120",
        "cant_measure-blood_pressure": "yes",
    }
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="temperature-error"' in html and 'id="diastolic_bp-error"' in html
    assert "can't measure this but also typed a number" in html.replace("&#39;", "'")
    assert db.session.scalar(select(Report).where(Report.patient_id == patient.id)) is None
    form.pop("temperature")
    form.pop("systolic_bp")
    accepted = client.post(path, data=form)
    assert accepted.status_code == 200
    report = db.session.scalar(select(Report).where(Report.patient_id == patient.id))
    assert report.not_measured == ["blood_pressure", "temperature"]


@pytest.mark.parametrize(("minutes", "fires"), [(8 * 60, False), (8 * 60 + 1, True)])
def test_r12_boundary_through_the_check_in_page(
    client, frozen_clock, make_center, make_patient, make_check_in, on_call, minutes, fires
):
    center = make_center()
    on_call(center)
    patient = make_patient(center)
    assert (
        client.post(
            "/api/v1/me/reports", json=report_body(vitals={"temperature_f": 98.4}), headers=patient.headers
        ).status_code
        == 201
    )
    frozen_clock.advance(minutes=minutes)
    check_in = make_check_in(patient.patient, due=frozen_clock.now, asks=("vitals",))
    path = f"/c/{make_token(check_in)}"
    form = {
        "csrf_token": csrf_from(client.get(path).get_data(as_text=True)),
        "client_id": f"web-{check_in.id}-boundary",
        "temperature_unit": "F",
        "cant_measure-temperature": "yes",
        "heart_rate": "80",
    }
    assert client.post(path, data=form).status_code == 200
    report = db.session.scalar(select(Report).where(Report.check_in_id == check_in.id))
    assert report.not_measured == ["temperature"]
    rules = {f["rule"]: f["level"] for f in report.assessment["findings"]}
    assert (rules.get("R12_vitals_not_measured") == "same_day") is fires


@pytest.mark.parametrize(
    ("baseline", "badge"),
    [
        ({}, True),
        ({"systolic_bp": 122, "ice_score": 10, "handwriting_sample": True}, False),  # SpO2 alone turns no rule off
        ({**FULL_BASELINE, "handwriting_sample": False}, True),
        (FULL_BASELINE, False),
    ],
)
def test_the_queue_row_carries_a_no_baseline_badge(
    client, make_center, make_staff, make_patient, on_call, web_sign_in, baseline, badge
):
    center = make_center()
    on_call(center)
    patient = make_patient(center, baseline=baseline)
    answer = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_f": 100.4}), headers=patient.headers
    ).json
    web_sign_in(make_staff("nurse", center))
    for path in ("/", "/queue/rows"):
        html = client.get(path).get_data(as_text=True)
        row = html[html.index(f'data-alert-id="{answer["alert"]["id"]}"') :]
        row = row[: row.index("</tr>")]
        assert ("badge-no-baseline" in row) is badge, (path, row)
        if badge:
            assert "Relative rules off: no baseline" in row
