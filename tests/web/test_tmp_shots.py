from tests.personas import report_body
from tests.web.test_browser import _sign_in
from tests.web.conftest import assert_accessible

def test_shots(new_page, client, make_center, make_staff, make_patient, on_call, artifacts):
    center = make_center()
    nurse = on_call(center)
    patient = make_patient(center)
    r = client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6, "heart_rate": 120}, signs={"blue_lips": True}), headers=patient.headers)
    page = new_page()
    _sign_in(page, make_staff("clinician", center))
    page.goto(f"/alerts/{r.json['alert']['id']}")
    page.screenshot(path="/tmp/alert.png", full_page=True)
    page.goto(f"/protocols/{patient.patient.protocol_id}")
    page.screenshot(path="/tmp/protocol.png", full_page=True)
    assert_accessible(page)
    page.goto(f"/protocols/{patient.patient.protocol_id}/new-version")
    page.get_by_label("Fever: a single reading").fill("37.5")
    page.click("#dry-run-button")
    page.locator("#dry-run-result").wait_for()
    page.screenshot(path="/tmp/protocol_new.png", full_page=True)
    assert_accessible(page)
    page.goto("/patients")
    page.screenshot(path="/tmp/patients.png", full_page=True)
    assert_accessible(page)
