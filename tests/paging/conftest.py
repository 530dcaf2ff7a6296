"""Paging tests run the app's real SMS path: the twilio SDK, over HTTP, to the Prism stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from app.scheduling.sweeps import run_all_sweeps
from app.timesource import utcnow
from tests.support.fixtures import TEST_AUTH_TOKEN


@pytest.fixture
def twilio_app(app: Flask, twilio_config: dict) -> Iterator[Flask]:
    """The test app sending through the stand-in (configuration only; no code is patched)."""
    saved = {key: app.config.get(key) for key in twilio_config}
    app.config.update(twilio_config)
    app.extensions.pop("vigil_sms_sender", None)
    yield app
    app.config.update(saved)
    app.extensions.pop("vigil_sms_sender", None)


@pytest.fixture
def tick():
    """One scheduler tick as of the test clock's now (the same code path as `scheduler tick`)."""
    return lambda: run_all_sweeps(utcnow())


@pytest.fixture
def signed_post(client, twilio_app):
    """POST a form to a Twilio webhook, signed as Twilio signs it (or forged)."""

    def post(path: str, data: dict, *, forged: bool = False):
        url = twilio_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
        token = "not-the-token" if forged else TEST_AUTH_TOKEN
        signature = RequestValidator(token).compute_signature(url, data)
        parts = urlsplit(path)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return client.post(target, data=data, headers={"X-Twilio-Signature": signature})

    return post
