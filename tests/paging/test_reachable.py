"""Someone is always reachable: a centre has a phone, rosters name only people
a page can reach, and a step that reaches nobody pages the admins at once; the patient is told
only what is true."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Alert, AlertEvent, Center, Notification, OnCallShift
from tests.personas import patient_body, report_body


def test_a_centre_needs_a_phone_its_admins_can_change(client, login, make_center, make_staff):
    admin = login(make_staff("admin", None))
    missing = client.post(
        "/api/v1/centers", json={"name": "North", "timezone": "Europe/London", "jurisdiction": "UK"}, headers=admin
    )
    assert missing.status_code == 422 and set(missing.json["error"]["fields"]) == {"phone"}
    assert db.session.scalars(select(Center)).all() == []

    center = make_center()
    own_admin = login(make_staff("admin", center))
    changed = client.patch(f"/api/v1/centers/{center.id}", json={"phone": "+1 617 555 0177"}, headers=own_admin)
    assert changed.status_code == 200 and changed.json["phone"] == "+16175550177"
    removed = client.patch(f"/api/v1/centers/{center.id}", json={"phone": None}, headers=own_admin)
    assert removed.status_code == 422 and set(removed.json["error"]["fields"]) == {"phone"}
    nurse = login(make_staff("nurse", center))
    assert (
        client.patch(f"/api/v1/centers/{center.id}", json={"phone": "+16175550178"}, headers=nurse).status_code == 403
    )
    db.session.expire_all()
    assert db.session.get(Center, center.id).phone == "+16175550177"


def test_a_centre_without_a_phone_fails_closed(client, login, make_center, make_staff, make_patient, on_call):
    """A centre made before the phone was required: no enrolment until an admin sets one, and
    patients already enrolled are never told to call a blank number."""
    center = make_center()
    on_call(center)
    patient = make_patient(center)
    center.phone = None
    db.session.commit()
    refused = client.post("/api/v1/patients", json=patient_body(center), headers=login(make_staff("nurse", center)))
    assert refused.status_code == 422 and set(refused.json["error"]["fields"]) == {"center_id"}

    answer = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.7}), headers=patient.headers
    )
    instructions = answer.json["assessment"]["instructions"]
    assert " at ." not in instructions and "wallet card" in instructions
    notice = db.session.scalar(select(Notification).where(Notification.purpose == "patient_notice"))
    assert "call  now" not in notice.body and "wallet card" in notice.body


def test_a_roster_names_only_staff_a_page_can_reach(client, login, make_center, make_staff):
    center = make_center()
    admin = login(make_staff("admin", center))
    no_phone, stopped, fine = make_staff("nurse", center), make_staff("nurse", center), make_staff("nurse", center)
    no_phone.phone = None
    stopped.sms_opted_out = True
    db.session.commit()
    for person in (no_phone, stopped):
        response = client.put(
            f"/api/v1/centers/{center.id}/on-call", json={"staff_ids": [fine.id, person.id]}, headers=admin
        )
        assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"staff_ids"}
        dated = client.put(
            f"/api/v1/centers/{center.id}/on-call",
            headers=admin,
            json={"entries": [{"staff_id": person.id, "starts_at": "2026-11-23T08:00:00"}]},
        )
        assert dated.status_code == 422 and set(dated.json["error"]["fields"]) == {"entries"}
    assert db.session.scalars(select(OnCallShift)).all() == []
    assert (
        client.put(f"/api/v1/centers/{center.id}/on-call", json={"staff_ids": [fine.id]}, headers=admin).status_code
        == 200
    )


def _chain_of(client, login, center, admin, targets):
    step = {"steps": [{"notify": targets, "wait_minutes": 10}], "repeat": 0}
    response = client.put(
        f"/api/v1/centers/{center.id}/escalation-policy", json={"urgent": step, "emergency": step}, headers=login(admin)
    )
    assert response.status_code == 200, response.json


def test_a_step_that_reaches_nobody_pages_the_admins_at_once(client, login, make_center, make_staff, make_patient):
    center = make_center()
    admin = make_staff("admin", center, phone="+16175550501")
    clinician = make_staff("clinician", center, phone="+16175550502")
    _chain_of(client, login, center, admin, ["clinicians"])
    clinician.sms_opted_out = True  # texted STOP after the chain was set
    db.session.commit()
    patient = make_patient(center)
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.7}), headers=patient.headers
    )
    alert_id = response.json["alert"]["id"]
    pages = db.session.scalars(select(Notification).where(Notification.purpose == "page")).all()
    assert [(n.to_phone, n.body[:31]) for n in pages] == [(admin.phone, "NOBODY REACHABLE at step 1; you")]
    events = db.session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == alert_id)).all()
    assert "nobody_reachable" in events
    notice = db.session.scalar(select(Notification).where(Notification.purpose == "patient_notice"))
    assert "has been notified" in notice.body


def test_when_nobody_at_all_can_be_paged_the_patient_is_told_the_truth(
    client, login, make_center, make_staff, make_patient
):
    center = make_center()
    admin = make_staff("admin", center, phone="+16175550511")
    _chain_of(client, login, center, admin, ["admins"])
    admin.phone = None
    db.session.commit()
    patient = make_patient(center)
    response = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.7}), headers=patient.headers
    )
    assert response.status_code == 201
    assert db.session.scalars(select(Notification).where(Notification.purpose == "page")).all() == []
    notice = db.session.scalar(select(Notification).where(Notification.purpose == "patient_notice"))
    assert "has been notified" not in notice.body
    assert "could not reach your CAR T care team" in notice.body and center.phone in notice.body
    assert db.session.get(Alert, response.json["alert"]["id"]).status == "open"  # still loud on the queue
