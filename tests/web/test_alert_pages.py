"""The queue and the alert page through the test client: order, scoping, acting on an alert."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Alert, Notification
from tests.personas import report_body
from tests.web.conftest import csrf_from


def _report(client, patient, symptoms=None, **vitals):
    body = report_body(vitals=vitals, symptoms=symptoms or {})
    response = client.post("/api/v1/me/reports", json=body, headers=patient.headers)
    assert response.status_code == 201, response.json
    return response.json


def _row_ids(html: str) -> list[int]:
    import re

    return [int(i) for i in re.findall(r'<tr data-alert-id="(\d+)"', html)]


def test_the_queue_puts_emergencies_first_then_urgent_then_same_day_oldest_first(
    client, frozen_clock, make_center, make_staff, make_patient, web_sign_in
):
    center = make_center()
    patients = [make_patient(center) for _ in range(4)]
    same_day = _report(client, patients[0], symptoms={"chills": 3})["alert"]
    frozen_clock.advance(minutes=5)
    urgent_old = _report(client, patients[1], temperature_c=38.6)["alert"]
    frozen_clock.advance(minutes=5)
    emergency = _report(client, patients[2], systolic_bp=75)["alert"]
    frozen_clock.advance(minutes=5)
    urgent_new = _report(client, patients[3], temperature_c=39.0)["alert"]
    assert (same_day["level"], emergency["level"]) == ("same_day", "emergency")
    web_sign_in(make_staff("nurse", center))
    html = client.get("/").get_data(as_text=True)
    assert _row_ids(html) == [emergency["id"], urgent_old["id"], urgent_new["id"], same_day["id"]]
    assert "Temperature 38.6" in html or "38.6" in html  # the findings carry their numbers
    assert "15 min" in html  # the oldest has been open 15 minutes by the frozen clock
    assert _row_ids(client.get("/queue/rows").get_data(as_text=True)) == _row_ids(html)
    from sqlalchemy import select

    from app.extensions import db
    from app.models import AuditEvent

    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.queue")).all()
    assert [(e.actor_type, e.details) for e in viewed] == [("staff", {"count": 4, "via": "web"})]  # not per refresh


def test_a_nurse_of_another_centre_sees_neither_the_alert_nor_the_patient(
    client, make_center, make_staff, make_patient, web_sign_in
):
    center, other = make_center(), make_center()
    patient = make_patient(center)
    alert = _report(client, patient, temperature_c=38.6)["alert"]
    web_sign_in(make_staff("nurse", other))
    assert _row_ids(client.get("/").get_data(as_text=True)) == []
    assert client.get(f"/alerts/{alert['id']}").status_code == 404
    assert client.get(f"/patients/{patient.id}").status_code == 404
    assert f"/patients/{patient.id}" not in client.get("/patients").get_data(as_text=True)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post(f"/alerts/{alert['id']}/ack", data={"csrf_token": token}).status_code == 404
    assert db.session.get(Alert, alert["id"]).status == "open"


def test_an_admin_sees_every_centre(client, make_center, make_staff, make_patient, web_sign_in):
    alerts = [_report(client, make_patient(make_center()), temperature_c=38.6)["alert"]["id"] for _ in range(2)]
    web_sign_in(make_staff("admin", None))
    assert sorted(_row_ids(client.get("/").get_data(as_text=True))) == sorted(alerts)


def test_the_alert_page_shows_findings_snapshot_pages_and_the_report(
    client, frozen_clock, make_center, make_staff, make_patient, on_call, web_sign_in
):
    center = make_center()
    nurse = on_call(center)
    patient = make_patient(center)
    result = _report(client, patient, temperature_c=38.6, heart_rate=104)
    page = db.session.query(Notification).filter_by(alert_id=result["alert"]["id"], purpose="page").one()
    page.state, page.provider_status = "delivered", "delivered"
    db.session.commit()
    web_sign_in(nurse)
    html = client.get(f"/alerts/{result['alert']['id']}").get_data(as_text=True)
    assert "38.6" in html and "R1_fever" in html  # the finding
    assert "fever_c" in html and "R1: ASTCT 2019" in html  # the threshold that fired, with its source
    assert nurse.name in html and "delivered" in html  # the page: who and its delivery
    assert f'data-report-id="{result["report"]["id"]}"' in html  # the report that opened it
    assert "Call your CAR T team now" in html  # what the patient was told


def test_acknowledge_then_resolve_from_the_queue(
    client, frozen_clock, make_center, make_staff, make_patient, web_sign_in
):
    center = make_center()
    alert_id = _report(client, make_patient(center), temperature_c=38.6)["alert"]["id"]
    nurse = make_staff("nurse", center)
    web_sign_in(nurse)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token, "next": "/"})
    assert response.headers["Location"] == "/"
    alert = db.session.get(Alert, alert_id)
    assert (alert.status, alert.acknowledged_by_id) == ("acknowledged", nurse.id)
    assert "Acknowledged" in client.get("/").get_data(as_text=True)
    frozen_clock.advance(minutes=7)
    missing = client.post(f"/alerts/{alert_id}/resolve", data={"csrf_token": token, "disposition": ""})
    assert missing.status_code == 302 and db.session.get(Alert, alert_id).status == "acknowledged"
    client.post(
        f"/alerts/{alert_id}/resolve",
        data={"csrf_token": token, "disposition": "advice_given", "note": "Paracetamol, recheck in 1 h", "next": "/"},
    )
    alert = db.session.get(Alert, alert_id)
    assert (alert.status, alert.disposition, alert.resolution_note) == (
        "resolved",
        "advice_given",
        "Paracetamol, recheck in 1 h",
    )
    assert alert.resolved_at - alert.opened_at == timedelta(minutes=7)
    assert _row_ids(client.get("/").get_data(as_text=True)) == []
    assert "Advice given by phone" in client.get(f"/alerts/{alert_id}").get_data(as_text=True)


def test_a_second_acknowledgement_names_who_took_it_and_is_audited_as_a_no_op(
    client, make_center, make_staff, make_patient, login, web_sign_in
):
    """The web page, like SMS and the API."""
    from sqlalchemy import select

    from app.models import AuditEvent

    center = make_center()
    alert_id = _report(client, make_patient(center), temperature_c=38.6)["alert"]["id"]
    first, second = make_staff("nurse", center), make_staff("clinician", center)
    client.post(f"/api/v1/alerts/{alert_id}/ack", headers=login(first))
    web_sign_in(second)
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token, "next": "/"})
    assert f"already acknowledged by {first.name}" in client.get("/").get_data(as_text=True)
    assert db.session.get(Alert, alert_id).acknowledged_by_id == first.id
    no_op = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.ack").order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.details.get("no_op")) for e in no_op] == [(first.id, None), (second.id, True)]
