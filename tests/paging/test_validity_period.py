"""Twilio's ValidityPeriod on pages: a page waits in Twilio's queue only until its chain
moves on, so a page stuck in a queue does not reach someone after the next step paged another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.extensions import db
from app.models import Alert, Notification
from app.services.outbox import page_validity, validity_seconds
from tests.paging.test_escalation import center, chain, team, urgent_report  # noqa: F401 - fixtures

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def test_a_page_is_valid_until_the_next_step(
    client,
    twilio_app,
    twilio_api,
    team,  # noqa: F811
    chain,  # noqa: F811
    center,  # noqa: F811
    make_patient,
    tick,
    frozen_clock,
):
    _patient, alert_id = urgent_report(client, make_patient, center)
    tick()
    [request] = twilio_api.messages(accepted=True, to=team["nurse"].phone)
    assert request.form["ValidityPeriod"] == "600"  # step 1 waits 10 minutes
    frozen_clock.advance(minutes=10)
    tick()
    [climbed] = twilio_api.messages(accepted=True, to=team["clinician"].phone)
    alert = db.session.get(Alert, alert_id)
    assert alert.next_step_at is not None
    assert climbed.form["ValidityPeriod"] == "600"


def test_other_messages_and_chains_without_a_next_step_keep_twilios_default(twilio_api):
    from tests.notify.test_twilio_sms import sender_for

    sender_for(twilio_api.url).send("+15558675310", "Vigil: reminder", status_callback=None)
    assert "ValidityPeriod" not in twilio_api.messages(accepted=True)[0].form
    assert page_validity(Notification(purpose="reminder", alert_id=None), NOW) is None
    assert validity_seconds(None, NOW) is None


def test_validity_is_clamped_to_twilios_range():
    assert validity_seconds(NOW + timedelta(seconds=5), NOW) == 60  # never shorter than a minute
    assert validity_seconds(NOW - timedelta(minutes=3), NOW) == 60  # a step already overdue
    assert validity_seconds(NOW + timedelta(hours=30), NOW) == 36_000
    assert validity_seconds(NOW + timedelta(minutes=15), NOW) == 900
