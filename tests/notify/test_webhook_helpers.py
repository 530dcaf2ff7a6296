"""Signature checking and TwiML replies (the Twilio half of the webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET

import pytest
from werkzeug.datastructures import MultiDict

from app.notify.twilio_sms import twiml_message, validate_twilio_signature

TOKEN = "12345678901234567890123456789012"
URL = "https://vigil.example.org/webhooks/twilio/status?m=7f3c9a"
CALLBACK = {
    "MessageSid": "SM" + "1" * 32,
    "MessageStatus": "undelivered",
    "ErrorCode": "30003",
    "To": "+15558675310",
    "AccountSid": "AC" + "0" * 32,
}


def twilio_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's documented scheme, written independently of the SDK: base64 of
    HMAC-SHA1(auth token, URL + each POST key and value, keys sorted)."""
    payload = url + "".join(key + params[key] for key in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def test_a_correctly_signed_request_is_valid() -> None:
    signature = twilio_signature(URL, CALLBACK, TOKEN)

    assert validate_twilio_signature(URL, CALLBACK, signature, TOKEN) is True


def test_it_accepts_the_form_as_flask_hands_it_over() -> None:
    signature = twilio_signature(URL, CALLBACK, TOKEN)

    assert validate_twilio_signature(URL, MultiDict(CALLBACK), signature, TOKEN) is True


@pytest.mark.parametrize(
    ("url", "params", "signing_token"),
    [
        (URL, CALLBACK, "a-guessed-token"),  # forged: signed with another token
        (
            URL,
            {**CALLBACK, "MessageStatus": "delivered"},
            TOKEN,
        ),  # tampered after signing
        (
            URL,
            {**CALLBACK, "Extra": "1"},
            TOKEN,
        ),  # a parameter the signature does not cover
        ("https://evil.example.org/webhooks/twilio/status?m=7f3c9a", CALLBACK, TOKEN),
        (
            URL.replace("m=7f3c9a", "m=000000"),
            CALLBACK,
            TOKEN,
        ),  # another message's callback
    ],
)
def test_a_forged_or_altered_request_is_invalid(url: str, params: dict[str, str], signing_token: str) -> None:
    signature = twilio_signature(URL, CALLBACK, signing_token)
    if signing_token == TOKEN:
        signature = twilio_signature(URL, CALLBACK, TOKEN)

    assert validate_twilio_signature(url, params, signature, TOKEN) is False


@pytest.mark.parametrize(("signature", "token"), [("", TOKEN), ("abc", TOKEN), ("abc", "")])
def test_a_missing_signature_or_token_is_invalid(signature: str, token: str) -> None:
    assert validate_twilio_signature(URL, CALLBACK, signature, token) is False


def test_twiml_carries_one_message() -> None:
    xml = twiml_message("Thanks, ACK 4821 received")

    assert xml == (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Thanks, ACK 4821 received</Message></Response>'
    )


def test_twiml_escapes_text() -> None:
    text = 'Reply <ACK> & "code"'

    root = ET.fromstring(twiml_message(text).encode())

    assert [m.text for m in root.iter("Message")] == [text]


@pytest.mark.parametrize("text", [None, ""])
def test_twiml_without_text_is_an_empty_response(text: str | None) -> None:
    root = ET.fromstring(twiml_message(text).encode())

    assert root.tag == "Response"
    assert list(root) == []
