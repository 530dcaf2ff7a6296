"""The ED hand-off packet renders in Chromium from the alert page, as one printable page, and its
FHIR document validates."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.fhir.r4 import validate_bundle
from tests.personas import report_body
from tests.web.test_browser import _sign_in


def test_the_handoff_page_opens_from_the_alert_page_and_prints_on_one_page(
    new_page, client, login, make_center, on_call, make_patient, artifacts
):
    center = make_center()
    nurse = on_call(center)
    patient = make_patient(center, product="carvykti")
    opened = client.post(
        "/api/v1/me/reports",
        json=report_body(
            vitals={"temperature_c": 38.9, "heart_rate": 118, "systolic_bp": 96, "diastolic_bp": 60, "spo2": 95},
            neuro={"ice": {"orientation": 4, "naming": 3, "commands": 1, "writing": 0, "attention": 1}},
        ),
        headers=patient.headers,
    )
    alert_id = opened.json["alert"]["id"]
    page = new_page()
    _sign_in(page, nurse)
    page.goto(f"/alerts/{alert_id}")
    page.get_by_role("link", name="Emergency department hand-off (printable)").click()
    expect(page.get_by_text("Carvykti").first).to_be_visible()
    body = page.inner_text("body")
    assert "38.9" in body and "+16175550100" in body and "2026-11-20" in body
    page.emulate_media(media="print")
    page_height = page.evaluate("document.documentElement.scrollHeight")
    assert page_height <= 1123  # one A4 sheet at 96 dpi
    page.screenshot(path=str(artifacts / "handoff.png"), full_page=True)
    document = client.get(f"/api/v1/alerts/{alert_id}/handoff", headers=login(nurse)).json
    validate_bundle(document)
    assert document["type"] == "document"
    assert document["entry"][0]["resource"]["resourceType"] == "Composition"
