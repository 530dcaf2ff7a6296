"""Push and call channels end to end: SMS and calls through the real twilio SDK to the Prism
stand-in, pushes through the real firebase-admin SDK to the FCM stand-in. Only the clock is
patched; the app is configured as in production."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from app.scheduling.sweeps import run_all_sweeps
from app.timesource import utcnow
from tests.support.fixtures import TEST_AUTH_TOKEN

SENDERS = ("vigil_sms_sender", "vigil_push_sender", "vigil_voice_caller")


@pytest.fixture
def channels_app(app: Flask, twilio_config: dict, fcm_config: dict) -> Iterator[Flask]:
    config = {**twilio_config, **fcm_config, "VOICE_BACKEND": "twilio"}
    saved = {key: app.config.get(key) for key in config}
    app.config.update(config)
    for name in SENDERS:
        app.extensions.pop(name, None)
    yield app
    app.config.update(saved)
    for name in SENDERS:
        app.extensions.pop(name, None)


@pytest.fixture
def tick():
    return lambda when=None: run_all_sweeps(when or utcnow())


@pytest.fixture
def signed_post(client, channels_app):
    """POST a form to a Twilio webhook, signed as Twilio signs it (or forged)."""

    def post(path: str, data: dict, *, forged: bool = False):
        url = channels_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
        signature = RequestValidator("not-the-token" if forged else TEST_AUTH_TOKEN).compute_signature(url, data)
        parts = urlsplit(path)
        return client.post(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            data=data,
            headers={"X-Twilio-Signature": signature},
        )

    return post
