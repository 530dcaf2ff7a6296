"""Escalation chains end to end through the Twilio stand-in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, Notification
from tests.personas import report_body


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def team(center, make_staff, on_call):
    nurse = on_call(center, make_staff("nurse", center, phone="+16175550111"))
    return {
        "nurse": nurse,
        "clinician": make_staff("clinician", center, phone="+16175550112"),
        "admin": make_staff("admin", center, phone="+16175550113"),
    }


@pytest.fixture
def chain(client, login, center, team):
    """step 1: on-call nurse, 10 min; step 2: the clinician, 10 min; no repeat."""
    policy = {
        "steps": [{"notify": ["on_call"], "wait_minutes": 10}, {"notify": [team["clinician"].id], "wait_minutes": 10}],
        "repeat": 0,
    }
    response = client.put(
        f"/api/v1/centers/{center.id}/escalation-policy",
        json={"urgent": policy, "emergency": policy},
        headers=login(team["admin"]),
    )
    assert response.status_code == 200, response.json
    return policy


def urgent_report(client, make_patient, center, **blocks):
    patient = make_patient(center)
    response = client.post(
        "/api/v1/me/reports",
        json=report_body(**(blocks or {"vitals": {"temperature_c": 38.6}})),
        headers=patient.headers,
    )
    assert response.status_code == 201
    return patient, response.json["alert"]["id"]


def excuse_check_ins(patient_id: int) -> None:
    from sqlalchemy import update

    from app.models import CheckIn

    db.session.execute(
        update(CheckIn).where(CheckIn.patient_id == patient_id).values(state="excused", next_action_at=None)
    )
    db.session.commit()


def pages(alert_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.alert_id == alert_id, Notification.purpose == "page")
            .order_by(Notification.id)
        )
    )


def paged_phones(alert_id: int) -> list[str]:
    return [n.to_phone for n in pages(alert_id)]


def test_an_urgent_report_pages_the_on_call_nurse_through_twilio(
    client, login, twilio_app, twilio_api, team, center, make_patient, tick
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    request = twilio_api.messages(accepted=True, to=team["nurse"].phone)
    assert len(request) == 1
    body = request[0].form["Body"]
    assert "URGENT" in body and re.search(r"ACK \d{4}", body) and "38.6" in body
    assert request[0].form["StatusCallback"].startswith("http://localhost:5000/webhooks/twilio/status?n=")
    detail = client.get(f"/api/v1/alerts/{alert_id}", headers=login(team["nurse"])).json
    page = next(n for n in detail["notifications"] if n["purpose"] == "page")
    assert page["provider_sid"].startswith("SM")
    assert (page["state"], page["provider_status"]) == ("sent", "queued")
    assert page["attempts_log"][0]["result"] == "sent"


def test_no_ack_climbs_to_the_next_step_then_stops_after_the_full_chain(
    client, twilio_app, twilio_api, team, center, chain, make_patient, tick, frozen_clock
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    assert paged_phones(alert_id) == [team["nurse"].phone]
    frozen_clock.advance(minutes=9)
    tick()
    assert paged_phones(alert_id) == [team["nurse"].phone]  # step 1's wait is not over
    frozen_clock.advance(minutes=1)
    tick()
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]
    assert "row-unanswered" not in _queue_row(client, team["nurse"], alert_id)  # still climbing
    frozen_clock.advance(minutes=10)
    tick()
    alert = db.session.get(Alert, alert_id)
    assert (alert.escalation_state, alert.status, alert.next_step_at) == ("exhausted", "open", None)
    # "unacknowledged after full chain": every step's people are paged once more.
    assert sorted(paged_phones(alert_id)[2:]) == sorted([team["nurse"].phone, team["clinician"].phone])
    frozen_clock.advance(hours=2)
    tick()
    assert len(pages(alert_id)) == 4
    assert len(twilio_api.messages(accepted=True)) >= 4
    # ...and it stays loud on the queue until a person acts.
    row = _queue_row(client, team["nurse"], alert_id)
    assert "row-unanswered" in row and "No one acknowledged: full chain paged" in row


def _queue_row(client, staff, alert_id: int) -> str:
    from tests.personas import PASSWORD
    from tests.web.conftest import csrf_from

    form = client.get("/sign-in")
    if form.status_code == 200:  # not signed in yet
        token = csrf_from(form.get_data(as_text=True))
        client.post("/sign-in", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    html = client.get("/queue/rows").get_data(as_text=True)
    return re.search(rf'<tr data-alert-id="{alert_id}".*?</tr>', html, re.S).group(0)


def test_repeat_runs_the_chain_again(client, login, twilio_app, team, center, make_patient, tick, frozen_clock):
    policy = {"steps": [{"notify": ["on_call"], "wait_minutes": 5}], "repeat": 2}
    client.put(
        f"/api/v1/centers/{center.id}/escalation-policy",
        json={"urgent": policy, "emergency": policy},
        headers=login(team["admin"]),
    )
    _patient, alert_id = urgent_report(client, make_patient, center)
    for _ in range(3):
        frozen_clock.advance(minutes=5)
        tick()
    alert = db.session.get(Alert, alert_id)
    assert alert.escalation_state == "exhausted"
    assert paged_phones(alert_id) == [team["nurse"].phone] * 4  # first run, two repeats, the final call


def test_an_sms_ack_stops_the_chain_and_tells_the_others(
    client, twilio_app, twilio_api, team, center, chain, make_patient, tick, frozen_clock, signed_post
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    frozen_clock.advance(minutes=10)
    tick()  # the clinician is paged too
    code = db.session.get(Alert, alert_id).ack_code
    reply = signed_post(
        "/webhooks/twilio/inbound",
        {"From": team["clinician"].phone, "To": "+15017122661", "Body": f"ack {code}", "MessageSid": "SM" + "1" * 32},
    )
    assert reply.status_code == 200 and reply.mimetype == "application/xml"
    assert f"Acknowledged alert {code}" in reply.get_data(as_text=True)
    alert = db.session.get(Alert, alert_id)
    assert (alert.status, alert.acknowledged_by_id, alert.escalation_state) == (
        "acknowledged",
        team["clinician"].id,
        "stopped",
    )
    tick()
    notice = twilio_api.messages(accepted=True, to=team["nurse"].phone)[-1].form["Body"]
    assert f"alert {code}" in notice and "acknowledged by" in notice
    frozen_clock.advance(hours=1)
    tick()
    assert len(pages(alert_id)) == 2


def test_an_ack_at_step_one_means_step_two_is_never_paged(
    client, twilio_app, team, center, chain, make_patient, tick, frozen_clock, signed_post
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    assert paged_phones(alert_id) == [team["nurse"].phone]
    frozen_clock.advance(minutes=3)
    code = db.session.get(Alert, alert_id).ack_code
    reply = signed_post(
        "/webhooks/twilio/inbound",
        {"From": team["nurse"].phone, "To": "+15017122661", "Body": f"ACK {code}", "MessageSid": "SM" + "2" * 32},
    )
    assert reply.status_code == 200
    frozen_clock.advance(hours=2)
    tick()
    alert = db.session.get(Alert, alert_id)
    assert (alert.status, alert.acknowledged_by_id, alert.escalation_state) == (
        "acknowledged",
        team["nurse"].id,
        "stopped",
    )
    assert paged_phones(alert_id) == [team["nurse"].phone]  # the clinician (step 2) was never paged


def test_the_alert_and_its_pages_are_written_in_one_transaction(client, team, center, make_patient, monkeypatch):
    """A fault while queueing the page (injected on purpose) leaves no report, no alert and no
    message behind; the phone's retry of the same report then stores all three, once."""
    from sqlalchemy import func

    from app.models import Report
    from app.services import outbox

    patient = make_patient(center)
    body = report_body(vitals={"temperature_c": 38.6})
    real_queue = outbox.queue

    def failing_queue(*args, **kwargs):
        if kwargs.get("purpose") == "page":
            raise ConnectionError("injected: the database went away while queueing the page")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(outbox, "queue", failing_queue)
    failed = client.post("/api/v1/me/reports", json=body, headers=patient.headers)
    assert failed.status_code == 500 and failed.json["error"]["code"] == "internal_error"
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Report, Alert, Notification)]
    assert counts == [0, 0, 0]

    monkeypatch.setattr(outbox, "queue", real_queue)
    retry = client.post("/api/v1/me/reports", json=body, headers=patient.headers)
    assert retry.status_code == 201
    assert paged_phones(retry.json["alert"]["id"]) == [team["nurse"].phone]
    assert db.session.scalar(select(func.count()).select_from(Report)) == 1


def test_a_forged_ack_is_403_and_changes_nothing(client, twilio_app, team, center, make_patient, tick, signed_post):
    _patient, alert_id = urgent_report(client, make_patient, center)
    code = db.session.get(Alert, alert_id).ack_code
    forged = signed_post("/webhooks/twilio/inbound", {"From": team["nurse"].phone, "Body": f"ACK {code}"}, forged=True)
    assert forged.status_code == 403
    unsigned = client.post("/webhooks/twilio/inbound", data={"From": team["nurse"].phone, "Body": f"ACK {code}"})
    assert unsigned.status_code == 403
    assert db.session.get(Alert, alert_id).status == "open"


@pytest.mark.parametrize(
    ("sender", "body", "expected"),
    [
        ("+16175550999", "ACK 1234", "not registered"),
        ("nurse", "ACK 0000", "Nothing was acknowledged for ACK 0000"),  # Never says whether it exists
        ("nurse", "hello", "did not understand"),
        ("nurse", "HELP", "Reply ACK"),
    ],
)
def test_unknown_senders_and_wrong_codes_get_a_helpful_reply(
    client, twilio_app, team, center, make_patient, signed_post, sender, body, expected
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    phone = team[sender].phone if sender in team else sender
    reply = signed_post("/webhooks/twilio/inbound", {"From": phone, "Body": body})
    assert expected in reply.get_data(as_text=True)
    assert db.session.get(Alert, alert_id).status == "open"


def test_staff_of_another_centre_cannot_ack_by_sms(
    client, twilio_app, team, center, make_patient, make_center, make_staff, signed_post
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    outsider = make_staff("nurse", make_center(), phone="+16175550177")
    code = db.session.get(Alert, alert_id).ack_code
    reply = signed_post("/webhooks/twilio/inbound", {"From": outsider.phone, "Body": f"ACK {code}"})
    assert f"Nothing was acknowledged for ACK {code}" in reply.get_data(as_text=True)
    assert db.session.get(Alert, alert_id).status == "open"


def test_an_ack_of_a_closed_alert_changes_nothing(client, login, twilio_app, team, center, make_patient, signed_post):
    _patient, alert_id = urgent_report(client, make_patient, center)
    client.post(f"/api/v1/alerts/{alert_id}/resolve", json={"disposition": "false_alarm"}, headers=login(team["nurse"]))
    code = db.session.get(Alert, alert_id).ack_code
    reply = signed_post("/webhooks/twilio/inbound", {"From": team["nurse"].phone, "Body": f"ACK {code}"})
    # A closed alert's code is answered like any code that names no open alert.
    assert f"Nothing was acknowledged for ACK {code}" in reply.get_data(as_text=True)
    assert db.session.get(Alert, alert_id).status == "resolved"


def test_an_emergency_pages_steps_one_and_two_together(
    client, twilio_app, twilio_api, team, center, chain, make_patient, tick
):
    _patient, alert_id = urgent_report(client, make_patient, center, neuro={"seizure": True})
    assert sorted(paged_phones(alert_id)) == sorted([team["nurse"].phone, team["clinician"].phone])
    tick()
    accepted = {r.form["To"] for r in twilio_api.messages(accepted=True)}
    assert {team["nurse"].phone, team["clinician"].phone} <= accepted


def test_an_upgrade_re_pages_at_once_from_step_one_of_the_emergency_chain(
    client, twilio_app, team, center, chain, make_patient, tick, frozen_clock
):
    patient, alert_id = urgent_report(client, make_patient, center)
    frozen_clock.advance(minutes=10)
    tick()  # the urgent chain reached step 2
    alert = db.session.get(Alert, alert_id)
    assert alert.escalation_step == 1
    frozen_clock.advance(minutes=1)
    client.post("/api/v1/me/reports", json=report_body(neuro={"hard_to_wake": True}), headers=patient.headers)
    db.session.refresh(alert)
    assert (alert.level, alert.escalation_state, alert.escalation_step) == ("emergency", "running", 1)
    newest = pages(alert_id)[-2:]
    assert sorted(n.to_phone for n in newest) == sorted([team["nurse"].phone, team["clinician"].phone])
    assert all("EMERGENCY" in n.body for n in newest)


def test_a_policy_edit_applies_only_to_new_alerts(
    client, login, twilio_app, team, center, chain, make_patient, tick, frozen_clock, make_staff
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    other = make_staff("clinician", center, phone="+16175550155")
    new_policy = {"steps": [{"notify": [other.id], "wait_minutes": 3}], "repeat": 0}
    client.put(
        f"/api/v1/centers/{center.id}/escalation-policy",
        json={"urgent": new_policy, "emergency": new_policy},
        headers=login(team["admin"]),
    )
    frozen_clock.advance(minutes=10)
    tick()
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]  # the frozen chain
    _p2, second = urgent_report(client, make_patient, center)
    assert paged_phones(second) == [other.phone]


def test_no_one_on_call_pages_the_admins_and_says_why(client, twilio_app, center, make_staff, make_patient):
    admin = make_staff("admin", center, phone="+16175550133")
    _patient, alert_id = urgent_report(client, make_patient, center)
    page = pages(alert_id)[0]
    assert page.to_phone == admin.phone
    assert page.body.startswith("NO ONE ON CALL")
    assert any(e.kind == "no_one_on_call" for e in db.session.get(Alert, alert_id).events)


def test_same_day_pages_the_on_call_nurse_once_in_daytime(
    client, twilio_app, team, center, make_patient, tick, frozen_clock
):
    # 15:00 UTC is 10:00 in New York: daytime.
    patient, alert_id = urgent_report(client, make_patient, center, symptoms={"bleeding_or_bruising": 1})
    assert paged_phones(alert_id) == [team["nurse"].phone]
    assert db.session.get(Alert, alert_id).escalation_state == "paged_once"
    excuse_check_ins(patient.id)  # so no missed check-in raises the alert meanwhile
    frozen_clock.advance(hours=5)
    tick()
    assert len(pages(alert_id)) == 1


def test_same_day_waits_for_daytime_at_night(client, twilio_app, team, center, make_patient, tick, frozen_clock):
    from datetime import UTC, datetime

    frozen_clock.set(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # 22:00 in New York
    _patient, alert_id = urgent_report(client, make_patient, center, symptoms={"bleeding_or_bruising": 1})
    alert = db.session.get(Alert, alert_id)
    assert alert.escalation_state == "waiting_daytime" and pages(alert_id) == []
    assert alert.next_step_at == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York
    frozen_clock.set(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    tick()
    assert paged_phones(alert_id) == [team["nurse"].phone]


def test_the_patient_is_told_the_team_was_notified_in_their_language(
    client, twilio_app, twilio_api, team, center, make_patient, tick
):
    patient = make_patient(center, language="es")
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patient.headers)
    tick()
    notice = twilio_api.messages(accepted=True, to=patient.patient.phone)
    assert len(notice) == 1
    assert "equipo" in notice[0].form["Body"]


def test_a_page_is_at_most_two_gsm7_segments_and_keeps_the_ack_code(client, twilio_app, team, center, make_patient):
    from app.notify.gsm import is_gsm7, sms_segments

    _patient, alert_id = urgent_report(
        client,
        make_patient,
        center,
        vitals={"temperature_c": 39.4, "heart_rate": 140, "systolic_bp": 82, "diastolic_bp": 50, "spo2": 91},
        neuro={"confusion": True, "word_finding_difficulty": True, "tremor": True},
    )
    body = pages(alert_id)[0].body
    alert = db.session.get(Alert, alert_id)
    assert is_gsm7(body) and sms_segments(body) <= 2
    assert f"ACK {alert.ack_code}" in body and body.endswith(f"/alerts/{alert_id}")
    assert _patient.patient.name not in body  # initials only


def test_pages_can_drop_initials(client, twilio_app, team, center, make_patient):
    twilio_app.config["PAGE_SHOW_INITIALS"] = False
    try:
        _patient, alert_id = urgent_report(client, make_patient, center)
        assert ": MRN .." in pages(alert_id)[0].body
    finally:
        twilio_app.config["PAGE_SHOW_INITIALS"] = True


def test_staff_stop_and_start_follow_twilio_and_are_kept(client, team, signed_post):
    """Twilio blocks texts to a number that sent STOP (error 21610, a permanent failure that moves
    the chain on); Vigil records it on the staff member, and START undoes it."""
    from app.models import StaffUser

    def text(body: str):  # Twilio's Advanced Opt-Out names the keyword it matched
        return signed_post(
            "/webhooks/twilio/inbound",
            {
                "From": team["nurse"].phone,
                "To": "+15017122661",
                "Body": body,
                "OptOutType": body.upper(),
                "MessageSid": f"SM{body.lower():x>32}",
            },
        )

    assert text("STOP").status_code == 200
    assert db.session.get(StaffUser, team["nurse"].id).sms_opted_out is True
    assert text("start").status_code == 200
    db.session.expire_all()
    assert db.session.get(StaffUser, team["nurse"].id).sms_opted_out is False
