"""The FCM push sender: the real firebase-admin SDK against the local FCM v1 stand-in."""

from __future__ import annotations

import logging

import pytest

from app.notify.base import PermanentSendError, TransientSendError
from app.notify.push import FcmPushSender, LogPushSender, Push, PushTokenGoneError, build_push_sender

TOKEN = "fcm-registration-token-" + "a" * 140


@pytest.fixture
def sender(fcm, fcm_config):
    return build_push_sender(fcm_config)


def test_a_push_reaches_fcm_v1_with_the_sdks_oauth_token_and_no_health_data(fcm, sender):
    result = sender.send(
        Push(
            TOKEN,
            "Vigil check-in",
            "It is time for your check-in. Tap to answer.",
            {"kind": "check_in", "check_in_id": "42"},
        )
    )
    assert isinstance(sender, FcmPushSender)
    assert result.sid == "projects/vigil-test/messages/1"
    [message] = fcm.sent_to(TOKEN)
    assert message["notification"] == {
        "title": "Vigil check-in",
        "body": "It is time for your check-in. Tap to answer.",
    }
    assert message["data"] == {"kind": "check_in", "check_in_id": "42"}
    assert message["android"]["priority"] == "high"
    assert fcm.tokens_issued >= 1  # google-auth traded the generated key's signed JWT for a token


@pytest.mark.parametrize("mark", ["unregistered", "invalid"])
def test_an_unregistered_or_invalid_token_is_reported_as_gone(fcm, sender, mark):
    getattr(fcm, mark).add(TOKEN)
    with pytest.raises(PushTokenGoneError):
        sender.send(Push(TOKEN, "t", "b"))
    assert fcm.messages == []


def test_fcm_unavailable_is_transient(fcm, sender):
    fcm.unavailable = True
    with pytest.raises(TransientSendError):
        sender.send(Push(TOKEN, "t", "b"))


def test_a_wrong_project_is_refused_permanently_but_is_not_the_tokens_fault(fcm, fcm_config):
    """A configuration mistake must not make Vigil forget every patient's device."""
    sender = build_push_sender({**fcm_config, "FCM_PROJECT_ID": "someone-else"})
    with pytest.raises(PermanentSendError) as caught:
        sender.send(Push(TOKEN, "t", "b"))
    assert not isinstance(caught.value, PushTokenGoneError)


def test_the_log_backend_logs_the_push_without_the_token(caplog):
    with caplog.at_level(logging.INFO, logger="vigil.push"):
        LogPushSender().send(Push(TOKEN, "Vigil check-in", "Tap to answer.", {"check_in_id": "7"}))
    assert "Vigil check-in" in caplog.text and "check_in_id" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"PUSH_BACKEND": "pigeon"}, "PUSH_BACKEND must be one of log, fcm"),
        ({"PUSH_BACKEND": "fcm"}, "FCM_CREDENTIALS_FILE, FCM_PROJECT_ID"),
    ],
)
def test_bad_push_configuration_is_named(config, message):
    with pytest.raises(ValueError, match=message):
        build_push_sender(config)


def test_log_is_the_default_backend():
    assert isinstance(build_push_sender({}), LogPushSender)
