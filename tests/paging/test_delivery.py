"""Delivery tracking: status callbacks, Twilio failures, backoff, leases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, DeliveryAttempt, Notification
from app.services.outbox import claim_due
from tests.paging.test_escalation import paged_phones, pages, urgent_report


@pytest.fixture
def center(make_center):
    return make_center()


@pytest.fixture
def team(center, make_staff, on_call):
    nurse = on_call(center, make_staff("nurse", center, phone="+16175550121"))
    return {
        "nurse": nurse,
        "clinician": make_staff("clinician", center, phone="+16175550122"),
        "admin": make_staff("admin", center, phone="+16175550123"),
    }


@pytest.fixture
def chain(client, login, center, team):
    policy = {
        "steps": [{"notify": ["on_call"], "wait_minutes": 15}, {"notify": [team["clinician"].id], "wait_minutes": 15}],
        "repeat": 0,
    }
    client.put(
        f"/api/v1/centers/{center.id}/escalation-policy",
        json={"urgent": policy, "emergency": policy},
        headers=login(team["admin"]),
    )


def callback(signed_post, page: Notification, status: str, error_code: str | None = None):
    data = {
        "MessageSid": page.provider_sid or "SM" + "0" * 32,
        "MessageStatus": status,
        "To": page.to_phone,
        "AccountSid": "AC" + "0" * 32,
    }
    if error_code:
        data["ErrorCode"] = error_code
    return signed_post(f"/webhooks/twilio/status?n={page.callback_token}", data)


def test_undelivered_pages_the_next_step_without_waiting(
    client, twilio_app, team, center, chain, make_patient, tick, signed_post
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    page = pages(alert_id)[0]
    assert callback(signed_post, page, "undelivered", "30003").status_code == 204
    db.session.refresh(page)
    assert (page.state, page.error_code) == ("undelivered", "30003")
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]
    alert = db.session.get(Alert, alert_id)
    assert alert.escalation_step == 1
    assert any(e.kind == "step_not_reached" for e in alert.events)


@pytest.mark.parametrize(
    "order",
    [
        ["sent", "delivered"],
        ["delivered", "sent"],
        ["sent", "delivered", "delivered", "sent"],
        ["queued", "delivered", "sending", "sent"],
    ],
)
def test_repeated_and_out_of_order_callbacks_end_delivered(
    client, twilio_app, team, center, make_patient, tick, signed_post, order
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    page = pages(alert_id)[0]
    for status in order:
        assert callback(signed_post, page, status).status_code == 204
    db.session.refresh(page)
    assert (page.state, page.provider_status) == ("delivered", "delivered")
    assert len(pages(alert_id)) == 1


def test_a_late_failure_after_delivery_changes_nothing(
    client, twilio_app, team, center, make_patient, tick, signed_post
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    page = pages(alert_id)[0]
    callback(signed_post, page, "delivered")
    callback(signed_post, page, "failed", "30005")
    db.session.refresh(page)
    assert page.state == "delivered"
    assert len(pages(alert_id)) == 1


def test_a_forged_status_callback_is_403(client, twilio_app, team, center, make_patient, tick, signed_post):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    page = pages(alert_id)[0]
    forged = signed_post(
        f"/webhooks/twilio/status?n={page.callback_token}",
        {"MessageSid": page.provider_sid, "MessageStatus": "delivered"},
        forged=True,
    )
    assert forged.status_code == 403
    db.session.refresh(page)
    assert page.state == "sent"


def test_twilio_500_and_429_retry_with_backoff_then_deliver(
    client, twilio_app, twilio_api, team, center, make_patient, tick, frozen_clock
):
    twilio_api.respond_with(500, to=team["nurse"].phone, times=1)
    twilio_api.respond_with(429, to=team["nurse"].phone, times=1)
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    page = pages(alert_id)[0]
    assert (page.state, page.error_code, page.attempts) == ("pending", "20500", 1)
    first_retry_at = page.due_at
    assert first_retry_at >= frozen_clock.now + timedelta(seconds=8)  # backoff, not a hot loop
    tick()  # not due yet: nothing is sent
    assert len(twilio_api.messages(to=team["nurse"].phone)) == 1
    frozen_clock.set(first_retry_at)
    tick()
    db.session.refresh(page)
    assert (page.state, page.error_code, page.attempts) == ("pending", "20429", 2)
    assert page.due_at - frozen_clock.now >= timedelta(seconds=16)  # the wait doubles (±20 % jitter)
    frozen_clock.set(page.due_at)
    tick()
    db.session.refresh(page)
    assert (page.state, page.attempts) == ("sent", 3)
    results = [
        a.result
        for a in db.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.notification_id == page.id).order_by(DeliveryAttempt.id)
        )
    ]
    assert results == ["transient_error", "transient_error", "sent"]
    assert len(twilio_api.messages(accepted=True, to=team["nurse"].phone)) == 1


def test_an_invalid_number_fails_for_good_and_the_next_step_runs_early(
    client, twilio_app, twilio_api, team, center, chain, make_patient, tick
):
    twilio_api.respond_with(400, to=team["nurse"].phone)
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    page = pages(alert_id)[0]
    assert (page.state, page.error_code) == ("failed", "21211")
    attempt = db.session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.notification_id == page.id)).one()
    assert (attempt.result, attempt.error_code) == ("permanent_error", "21211")
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]
    tick()
    assert len(twilio_api.messages(accepted=True, to=team["clinician"].phone)) == 1


def test_a_page_without_final_status_counts_as_not_reached(
    client, twilio_app, team, center, chain, make_patient, tick, frozen_clock
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    frozen_clock.advance(minutes=10, seconds=1)  # the default 10 minutes, before step 1's 15 are over
    tick()
    assert pages(alert_id)[0].state == "unconfirmed"
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]


def test_a_dispatcher_killed_between_claim_and_send_loses_no_page(
    client, twilio_app, twilio_api, team, center, make_patient, tick, frozen_clock
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    claimed = claim_due(frozen_clock.now)  # a dispatcher claims ... and dies before sending
    assert len(claimed) == 2  # the page and the patient's notice
    tick()
    assert twilio_api.messages(to=team["nurse"].phone) == []  # leased: nobody else sends it yet
    frozen_clock.advance(minutes=2, seconds=1)
    tick()
    assert len(twilio_api.messages(accepted=True, to=team["nurse"].phone)) == 1
    assert pages(alert_id)[0].state == "sent"


def test_ack_cancels_pages_not_sent_yet(client, login, twilio_app, twilio_api, team, center, make_patient, tick):
    _patient, alert_id = urgent_report(client, make_patient, center)
    client.post(f"/api/v1/alerts/{alert_id}/ack", headers=login(team["nurse"]))
    tick()
    assert pages(alert_id)[0].state == "cancelled"
    assert twilio_api.messages(to=team["nurse"].phone) == []


def test_scheduler_tick_command_runs_the_sweeps_as_of_a_time(
    client, twilio_app, twilio_api, team, center, chain, make_patient, frozen_clock
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    when = (frozen_clock.now + timedelta(minutes=15)).isoformat()
    result = twilio_app.test_cli_runner().invoke(args=["scheduler", "tick", "--now", when])
    assert result.exit_code == 0, result.output
    assert "escalation: 1" in result.output and "dispatch: sent=" in result.output
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]
    bad = twilio_app.test_cli_runner().invoke(args=["scheduler", "tick", "--now", "2026-11-22T10:00:00"])
    assert bad.exit_code != 0


def test_the_watchdog_runs_an_overdue_step(client, twilio_app, team, center, chain, make_patient, frozen_clock):
    from app.scheduling.watchdog import run_watchdog

    _patient, alert_id = urgent_report(client, make_patient, center)
    frozen_clock.advance(minutes=18)
    result = run_watchdog(frozen_clock.now)
    db.session.commit()
    assert result["overdue_steps"] == 1
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]


def test_the_watchdog_restarts_an_escalation_that_lost_its_next_step(
    client, twilio_app, team, center, chain, make_patient, tick, frozen_clock
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    alert = db.session.get(Alert, alert_id)
    alert.next_step_at = None  # a bug or a hand edit left it running with nothing scheduled
    db.session.commit()
    tick()  # the watchdog schedules it now ...
    db.session.refresh(alert)
    assert alert.next_step_at == frozen_clock.now
    frozen_clock.advance(minutes=1)
    tick()  # ... and the next tick runs the step that would never have come
    assert paged_phones(alert_id) == [team["nurse"].phone, team["clinician"].phone]


def test_the_watchdog_pages_admins_when_pages_cannot_go_out(
    client, twilio_app, twilio_api, team, center, make_patient, tick, frozen_clock
):
    twilio_api.respond_with(503)
    _patient, alert_id = urgent_report(client, make_patient, center)
    for _ in range(6):
        tick()
        frozen_clock.advance(minutes=3)
    warnings = db.session.scalars(select(Notification).where(Notification.purpose == "watchdog")).all()
    assert [w.to_phone for w in warnings] == [team["admin"].phone]
    assert "not going out" in warnings[0].body


def test_the_queue_row_says_whether_the_last_page_reached_the_phone(
    client, twilio_app, team, center, make_patient, tick, signed_post
):
    import re

    from tests.personas import PASSWORD
    from tests.web.conftest import csrf_from

    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    page = pages(alert_id)[0]
    token = csrf_from(client.get("/sign-in").get_data(as_text=True))
    client.post("/sign-in", data={"email": team["nurse"].email, "password": PASSWORD, "csrf_token": token})

    def delivery_cell() -> str:
        html = client.get("/queue/rows").get_data(as_text=True)
        row = re.search(rf'<tr data-alert-id="{alert_id}".*?</tr>', html, re.S).group(0)
        return " ".join(re.sub(r"<[^>]+>", " ", re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[6]).split())

    assert delivery_cell() == f"sent, not yet confirmed to {team['nurse'].name}"
    callback(signed_post, page, "delivered")
    assert delivery_cell() == f"delivered to {team['nurse'].name}"
