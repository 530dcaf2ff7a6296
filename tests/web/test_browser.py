"""Headless Chromium (Debian's, no download) through the pages a nurse, a clinician and a patient use.

Few tests, each a whole journey; screenshots land in artifacts/web/ for a reviewer to open.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.extensions import db
from app.models import Alert, Report
from app.services.checkin_links import make_token
from tests.personas import PASSWORD, report_body
from tests.web.conftest import assert_accessible

# Reads what Chart.js holds and where it drew it: per chart, each dataset's points and, for the
# first dataset, the value under each drawn point (the y pixel mapped back through the axis).
READ_CHARTS = """
() => Object.fromEntries(["temperature", "heart_rate", "systolic_bp", "spo2", "ice", "check-ins"].map((key) => {
  const chart = Chart.getChart("chart-" + key);
  const drawn = chart.getDatasetMeta(0).data.map((el) => chart.scales.y.getValueForPixel(el.y));
  return [key, {
    datasets: chart.data.datasets.map((d) => ({label: d.label, points: d.data.map((p) => ({...p}))})),
    drawn: drawn, width: chart.width, xmin: chart.scales.x.min, xmax: chart.scales.x.max,
  }];
}))
"""


def _sign_in(page, user) -> None:
    page.goto("/")  # a stranger is sent to the sign-in page
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/$"))
    page.get_by_label("Email").fill(user.email)
    page.keyboard.press("Tab")  # keyboard only, as a nurse at a ward computer might
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Alert queue")).to_be_visible()


# What widens the page, to name it when the check fails: elements reaching past the viewport
# outside a scrolling table.
WIDEST = """(width) => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.parentElement.closest(".table-wrap"))
  .slice(0, 5).map((el) => el.tagName + (el.id ? "#" + el.id : "") + "." + el.className + " " +
                   Math.round(el.getBoundingClientRect().right))"""


def _no_sideways_scroll(page, width: int) -> None:
    wide = page.evaluate(WIDEST, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, wide)


def test_an_urgent_report_reaches_the_queue_and_is_acknowledged_and_resolved(
    new_page, app, monkeypatch, client, make_center, make_staff, make_patient, on_call, artifacts
):
    monkeypatch.setitem(app.config, "WEB_QUEUE_POLL_SECONDS", 1)  # production polls every 3 s
    center, other_center = make_center(), make_center()
    nurse = on_call(center)
    stranger = make_staff("nurse", other_center)
    patient = make_patient(center)
    page = new_page()
    _sign_in(page, nurse)
    expect(page.locator("#queue-status")).to_have_text("0 open alerts.")

    posted = time.monotonic()
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patient.headers
    )
    alert_id = response.json["alert"]["id"]
    row = page.locator(f'tr[data-alert-id="{alert_id}"]')
    expect(row).to_be_visible()  # no reload: the queue polls
    assert time.monotonic() - posted < 5
    for text in ("Urgent", patient.patient.name, "Day 2", "Yescarta", "38.6", "Step 1, round 1", "queued"):
        expect(row).to_contain_text(text)
    expect(page.locator("#queue-status")).to_have_text("1 open alert.")
    page.screenshot(path=artifacts / "queue.png", full_page=True)
    assert_accessible(page)

    elsewhere = new_page(360, 720)  # a nurse of another centre, on a phone
    _sign_in(elsewhere, stranger)
    expect(elsewhere.locator("tr[data-alert-id]")).to_have_count(0)
    _no_sideways_scroll(elsewhere, 360)
    assert_accessible(elsewhere)
    assert elsewhere.goto(f"/alerts/{alert_id}").status == 404

    row.get_by_role("link", name=patient.patient.name).click()
    expect(page).to_have_url(re.compile(rf"/alerts/{alert_id}$"))
    expect(page.locator("#findings")).to_contain_text("38.6")
    expect(page.locator("#fired-thresholds")).to_contain_text("R1: ASTCT 2019")
    expect(page.locator("#timeline")).to_contain_text(nurse.name)
    expect(page.locator("#opening-report")).to_have_attribute("data-report-id", str(response.json["report"]["id"]))
    assert_accessible(page)

    page.locator('button[data-action="ack"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#alert-status")).to_have_attribute("data-status", "acknowledged")
    expect(page.locator("#timeline")).to_contain_text("Acknowledged (via web)")

    page.get_by_role("link", name="← Alert queue").click()  # resolve from the queue's row
    row = page.locator(f'tr[data-alert-id="{alert_id}"]')
    expect(row).to_contain_text("Acknowledged")
    row.locator("summary").click()
    row.get_by_label("Disposition").select_option("sent_to_ed")
    row.get_by_label("Note").fill("Fever 38.6, sent to the ED at 10:05")
    with page.expect_response("**/queue/rows"):
        pass  # a refresh arrives while the form is open...
    expect(row.get_by_label("Note")).to_have_value("Fever 38.6, sent to the ED at 10:05")  # ...and spares it
    row.locator('button[data-action="resolve"]').click()
    expect(page.locator(".flash")).to_contain_text(f"Alert {alert_id} resolved.")
    expect(page.locator(f'tr[data-alert-id="{alert_id}"]')).to_have_count(0)
    expect(page.locator("#queue-status")).to_have_text("0 open alerts.")
    alert = db.session.get(Alert, alert_id)
    db.session.refresh(alert)
    assert (alert.status, alert.disposition, alert.acknowledged_by_id) == ("resolved", "sent_to_ed", nurse.id)


def _position(at, tz: str, day0) -> float:
    local = at.astimezone(ZoneInfo(tz))
    return round((local.date() - day0).days + (local.hour * 3600 + local.minute * 60 + local.second) / 86400, 4)


def test_the_patient_page_charts_exactly_the_stored_reports(
    new_page, client, frozen_clock, make_center, make_staff, make_patient, make_check_in, artifacts
):
    center = make_center()
    patient = make_patient(center)  # infused 20 Nov 10:00 New York time; now is day 2, 10:00
    infused = patient.patient.infused_at
    ice = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}
    readings = [  # hours after the infusion: temperature, heart rate, systolic, SpO2, ICE points off
        (6, 36.8, 78, 124, 98, 0),
        (10, 37.1, 84, 120, 97, 0),
        (22, 37.4, 90, 118, 97, 0),
        (30, 37.9, 96, 112, 96, 1),
        (38, 38.4, 104, 108, 95, 1),
        (46, 37.6, 92, 114, 96, 0),
    ]
    for hours, temperature, hr, sbp, spo2, off in readings:
        body = report_body(
            recorded_at=infused + timedelta(hours=hours),
            vitals={"temperature_c": temperature, "heart_rate": hr, "systolic_bp": sbp, "spo2": spo2},
            neuro={"ice": {**ice, "orientation": 4 - off}},
        )
        assert client.post("/api/v1/me/reports", json=body, headers=patient.headers).status_code == 201
    for hours, state in ((2, "completed"), (6, "completed"), (10, "missed"), (22, "excused"), (26, "completed")):
        make_check_in(patient.patient, due=infused + timedelta(hours=hours), state=state)
    reports = db.session.query(Report).filter_by(patient_id=patient.id).order_by(Report.recorded_at).all()
    alert = db.session.query(Alert).filter_by(patient_id=patient.id).one()

    page = new_page(1280, 900)
    _sign_in(page, make_staff("clinician", center))
    page.goto(f"/patients/{patient.id}")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-check-ins')")
    charts = page.evaluate(READ_CHARTS)

    tz, day0 = patient.patient.timezone, infused.astimezone(ZoneInfo(patient.patient.timezone)).date()
    expected_x = [_position(r.recorded_at, tz, day0) for r in reports]
    for key, column in (
        ("temperature", "temperature_c"),
        ("heart_rate", "heart_rate"),
        ("systolic_bp", "systolic_bp"),
        ("spo2", "spo2"),
        ("ice", "ice_score"),
    ):
        chart = charts[key]
        points = chart["datasets"][0]["points"]
        assert [p["id"] for p in points] == [r.id for r in reports], key
        assert [p["y"] for p in points] == [getattr(r, column) for r in reports], key
        assert [p["x"] for p in points] == expected_x, key
        assert [round(v, 1) for v in chart["drawn"]] == [round(getattr(r, column), 1) for r in reports], key
        assert chart["width"] > 200 and (chart["xmin"], chart["xmax"]) == (0, 15)  # days 0-14 monitored (US)
        marks = chart["datasets"][-1]["points"]  # alerts on the time axis
        assert [(m["id"], m["level"], m["x"]) for m in marks] == [
            (alert.id, "urgent", _position(alert.opened_at, tz, day0))
        ], key
    fever_line = charts["temperature"]["datasets"][1]
    assert fever_line["label"] == "Fever 38.0 °C" and {p["y"] for p in fever_line["points"]} == {38.0}
    assert [p["y"] for p in charts["ice"]["datasets"][0]["points"]] == [10, 10, 10, 9, 9, 10]
    strip = charts["check-ins"]["datasets"][0]["points"]
    states = [p["y"] for p in strip if p["x"] < 2]
    assert states == ["completed", "completed", "missed", "excused", "completed"]
    page.screenshot(path=artifacts / "patient-page.png", full_page=True)
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 800})  # the same page on a phone: charts reflow
    page.wait_for_function("() => Chart.getChart('chart-temperature').width < 340")
    _no_sideways_scroll(page, 360)


def test_the_check_in_page_on_a_phone(new_page, frozen_clock, make_center, make_patient, make_check_in, artifacts):
    patient = make_patient(make_center()).patient
    check_in = make_check_in(patient, asks=("vitals", "symptoms"))
    path = f"/c/{make_token(check_in)}"
    page = new_page(360, 760)
    page.goto(path)
    _no_sideways_scroll(page, 360)
    for choice in page.locator("label.choice").all()[:6]:
        assert choice.bounding_box()["height"] >= 44  # large tap targets
    page.get_by_label("°C", exact=True).check()
    expect(page.locator("#temperature-hint")).to_contain_text("37.2")  # the toggle changed the hint
    page.get_by_label("Your temperature").fill("38.6")
    page.get_by_label("Heart rate (beats per minute)").fill("102")
    page.screenshot(path=artifacts / "check-in-form-360.png", full_page=True)
    assert_accessible(page)
    page.get_by_role("button", name="Send my check-in").click()
    banner = page.locator("#result-banner")
    expect(banner).to_have_attribute("data-level", "urgent")
    expect(banner).to_contain_text("Call your CAR T team now at +16175550100")
    _no_sideways_scroll(page, 360)
    page.screenshot(path=artifacts / "check-in-result-360.png", full_page=True)
    assert_accessible(page)
    alert = db.session.query(Alert).filter_by(patient_id=patient.id).one()
    report = db.session.get(Report, alert.opening_report_id)
    assert (alert.level, report.source, report.temperature_c, report.heart_rate) == ("urgent", "web", 38.6, 102)

    assert page.goto(path[:-4] + "AAAA").status == 404
    expect(page.locator("#refused")).to_have_attribute("data-reason", "invalid")
    frozen_clock.set(check_in.window_ends_at)
    assert page.goto(path).status == 410
    expect(page.locator("#refused")).to_have_attribute("data-reason", "expired")
    expect(page.get_by_role("heading")).to_have_text("This check-in link has expired")
    assert_accessible(page)


def test_every_care_team_page_passes_the_accessibility_checks_on_a_desk_and_a_phone(
    new_page, make_center, make_staff, make_patient, on_call, client, artifacts
):
    """axe-core's WCAG 2.1 A/AA rules and no sideways scroll at 360 px, on the pages the journeys
    above do not reach: sign-in, the queue, the alert page and its hand-off packet, the patient
    list and page, and the protocol pages."""
    center = make_center()
    on_call(center)
    clinician = make_staff("clinician", center)
    patient = make_patient(center)
    alert_id = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.4}), headers=patient.headers
    ).json["alert"]["id"]
    protocol_id = patient.patient.protocol_id
    for width in (1280, 360):
        page = new_page(width=width, height=800)
        page.goto("/sign-in")
        assert_accessible(page)
        _no_sideways_scroll(page, width)
        _sign_in(page, clinician)
        for path in (
            "/",
            f"/alerts/{alert_id}",
            f"/alerts/{alert_id}/handoff",
            "/patients",
            f"/patients/{patient.id}",
            "/protocols",
            f"/protocols/{protocol_id}",
            f"/protocols/{protocol_id}/new-version",
        ):
            page.goto(path)
            assert_accessible(page)
            _no_sideways_scroll(page, width)
        page.screenshot(path=str(artifacts / f"protocol-{width}.png"), full_page=True)
