"""The alert queue, one alert, acknowledge and resolve."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Alert
from tests.personas import report_body


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def nurse(make_staff, center, on_call):
    return on_call(center)


def open_alert(client, make_patient, center, **blocks) -> int:
    patient = make_patient(center)
    response = client.post("/api/v1/me/reports", json=report_body(**blocks), headers=patient.headers)
    return response.json["alert"]["id"]


def test_the_queue_puts_emergencies_first_then_oldest(client, login, nurse, make_patient, center, frozen_clock):
    same_day = open_alert(client, make_patient, center, symptoms={"bleeding_or_bruising": 1})
    frozen_clock.advance(minutes=1)
    urgent_old = open_alert(client, make_patient, center, vitals={"temperature_c": 38.5})
    frozen_clock.advance(minutes=1)
    urgent_new = open_alert(client, make_patient, center, vitals={"temperature_c": 38.2})
    frozen_clock.advance(minutes=1)
    emergency = open_alert(client, make_patient, center, neuro={"seizure": True})
    queue = client.get("/api/v1/alerts?status=open", headers=login(nurse)).json
    assert [a["id"] for a in queue] == [emergency, urgent_old, urgent_new, same_day]


def test_another_centres_staff_see_nothing(client, login, nurse, make_patient, center, make_center, make_staff):
    alert_id = open_alert(client, make_patient, center, vitals={"temperature_c": 38.5})
    stranger = login(make_staff("nurse", make_center()))
    assert client.get("/api/v1/alerts", headers=stranger).json == []
    assert client.get(f"/api/v1/alerts/{alert_id}", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/alerts/{alert_id}/ack", headers=stranger).status_code == 404


def test_detail_shows_findings_snapshot_and_pages(client, login, nurse, make_patient, center):
    alert_id = open_alert(client, make_patient, center, vitals={"temperature_c": 38.5})
    detail = client.get(f"/api/v1/alerts/{alert_id}", headers=login(nurse)).json
    assert detail["findings"][0]["summary"].startswith("Temperature 38.5")
    assert detail["thresholds_snapshot"]["protocol"]["fever_c"] == 38.0
    patient = db.session.get(Alert, alert_id).patient
    assert detail["protocol_version"] == patient.protocol.version  # graded under this version
    assert detail["escalation"]["state"] == "running"
    assert detail["escalation_snapshot"]["source"] == "default policy"
    page = next(n for n in detail["notifications"] if n["purpose"] == "page")
    assert (page["staff_id"], page["state"]) == (nurse.id, "pending")


def test_ack_then_resolve_with_a_disposition(client, login, nurse, make_patient, center):
    alert_id = open_alert(client, make_patient, center, vitals={"temperature_c": 38.5})
    headers = login(nurse)
    acked = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=headers)
    assert acked.status_code == 200
    assert (acked.json["status"], acked.json["acknowledged_by_id"]) == ("acknowledged", nurse.id)
    assert acked.json["escalation"]["state"] == "stopped"
    missing = client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"note": "x"}, headers=headers)
    assert missing.status_code == 422 and "disposition" in missing.json["error"]["fields"]
    wrong = client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"disposition": "nap"}, headers=headers)
    assert wrong.status_code == 422
    done = client.post(
        f"/api/v1/alerts/{alert_id}/resolve",
        json={"disposition": "advice_given", "note": "Paracetamol, recheck in 1 h"},
        headers=headers,
    )
    assert done.status_code == 200
    assert (done.json["status"], done.json["disposition"]) == ("resolved", "advice_given")
    again = client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"disposition": "other"}, headers=headers)
    assert again.status_code == 409
    assert client.get("/api/v1/alerts?status=open", headers=headers).json == []


def test_resolving_an_open_alert_acknowledges_it_first(client, login, nurse, make_patient, center):
    alert_id = open_alert(client, make_patient, center, vitals={"temperature_c": 38.5})
    done = client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"disposition": "sent_to_ed"}, headers=login(nurse))
    assert done.json["acknowledged_by_id"] == nurse.id


def test_a_new_report_after_resolution_opens_a_new_alert(client, login, nurse, make_patient, center):
    patient = make_patient(center)
    first = client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.5}), headers=patient.headers)
    client.post(
        f"/api/v1/alerts/{first.json['alert']['id']}/resolve",
        json={"disposition": "advice_given"},
        headers=login(nurse),
    )
    second = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.9}), headers=patient.headers
    )
    assert second.json["alert"]["id"] != first.json["alert"]["id"]
    history = client.get(f"/api/v1/patients/{patient.id}/alerts", headers=login(nurse)).json
    assert [a["status"] for a in history] == ["open", "resolved"]


def test_patients_cannot_see_the_queue(client, make_patient, center):
    patient = make_patient(center)
    assert client.get("/api/v1/alerts", headers=patient.headers).status_code == 403
