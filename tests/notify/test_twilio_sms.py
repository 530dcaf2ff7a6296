"""The real twilio SDK against Prism serving Twilio's OpenAPI description, through the
recording proxy. Nothing in the SDK is patched."""

from __future__ import annotations

import re

import pytest
import requests
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)

from app.notify import PermanentSendError, SendError, SmsSender, TransientSendError
from app.notify.twilio_sms import TwilioSmsSender, to_send_error
from tests.support.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER
from tests.support.sockets import closed_port_url, html_server, silent_server
from tests.support.twilio_proxy import TwilioProxy

NURSE = "+15558675310"
CLINICIAN = "+15558675311"
CALLBACK = "http://localhost:5000/webhooks/twilio/status?m=7f3c9a"
PAGE = "Vigil: Ward 4 patient 12 fever 38.4 C day 3. Reply ACK 4821"


def sender_for(base_url: str, **kwargs: object) -> TwilioSmsSender:
    options: dict = {"from_number": TEST_FROM_NUMBER, "timeout": 5.0, **kwargs}
    return TwilioSmsSender(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, api_base_url=base_url, **options)


@pytest.fixture
def sender(twilio_api: TwilioProxy) -> TwilioSmsSender:
    return sender_for(twilio_api.url)


def test_it_is_an_sms_sender(sender: TwilioSmsSender) -> None:
    assert isinstance(sender, SmsSender)
    assert sender.name == "twilio"


def test_it_sends_and_gets_a_sid_and_status(sender: TwilioSmsSender) -> None:
    result = sender.send(NURSE, PAGE, status_callback=CALLBACK)

    assert re.fullmatch(r"SM[0-9a-f]{32}", result.sid or "")
    assert result.status == "queued"  # the example of Twilio's spec


def test_it_posts_to_body_and_callback_to_twilio(sender: TwilioSmsSender, twilio_api: TwilioProxy) -> None:
    sender.send(NURSE, PAGE, status_callback=CALLBACK)

    [request] = twilio_api.messages(accepted=True)
    assert request.path == f"/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json"
    assert request.form == {
        "To": NURSE,
        "From": TEST_FROM_NUMBER,
        "Body": PAGE,
        "StatusCallback": CALLBACK,
    }
    assert request.headers["Authorization"].startswith("Basic ")
    assert request.response["sid"].startswith("SM")


def test_it_omits_the_callback_when_there_is_none(sender: TwilioSmsSender, twilio_api: TwilioProxy) -> None:
    sender.send(NURSE, PAGE, status_callback=None)

    assert "StatusCallback" not in twilio_api.messages()[0].form


def test_it_sends_from_a_messaging_service(twilio_api: TwilioProxy) -> None:
    service_sid = "MG" + "ab" * 16
    sender = sender_for(twilio_api.url, from_number=None, messaging_service_sid=service_sid)

    sender.send(NURSE, PAGE)

    form = twilio_api.messages(accepted=True)[0].form
    assert form["MessagingServiceSid"] == service_sid
    assert "From" not in form


def test_it_sends_unicode_bodies_intact(sender: TwilioSmsSender, twilio_api: TwilioProxy) -> None:
    body = "Fièvre 38,4 °C – appelez l’équipe 😀"
    sender.send(NURSE, body)

    assert twilio_api.messages(accepted=True)[0].form["Body"] == body


@pytest.mark.parametrize(
    ("http_status", "error", "code"),
    [
        (400, PermanentSendError, 21211),
        (429, TransientSendError, 20429),
        (500, TransientSendError, 20500),
        (503, TransientSendError, 20503),
    ],
)
def test_it_classifies_twilio_errors(
    sender: TwilioSmsSender,
    twilio_api: TwilioProxy,
    http_status: int,
    error: type[SendError],
    code: int,
) -> None:
    twilio_api.respond_with(http_status)

    with pytest.raises(error) as raised:
        sender.send(NURSE, PAGE)

    assert (raised.value.code, raised.value.http_status) == (code, http_status)
    [request] = twilio_api.messages()
    assert (request.prefer, request.status, request.accepted) == (
        f"code={http_status}",
        http_status,
        False,
    )


def test_an_error_rule_can_target_one_recipient(sender: TwilioSmsSender, twilio_api: TwilioProxy) -> None:
    twilio_api.respond_with(400, to=NURSE)

    with pytest.raises(PermanentSendError):
        sender.send(NURSE, PAGE)
    sender.send(CLINICIAN, PAGE)

    assert [r.form["To"] for r in twilio_api.messages(accepted=True)] == [CLINICIAN]
    assert [r.form["To"] for r in twilio_api.messages(accepted=False)] == [NURSE]


def test_an_error_rule_can_fail_only_the_first_attempts(sender: TwilioSmsSender, twilio_api: TwilioProxy) -> None:
    with twilio_api.responding(500, times=2):
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(sender.send(NURSE, PAGE).status)
            except TransientSendError as exc:
                outcomes.append(exc.code)

    assert outcomes == [20500, 20500, "queued"]
    assert [r.status for r in twilio_api.messages()] == [500, 500, 201]


def test_a_request_that_breaks_twilios_contract_is_permanent(
    twilio_api: TwilioProxy,
) -> None:
    # Prism validates against Twilio's spec: the AccountSid must match ^AC[0-9a-f]{32}$.
    # (With a 400 in the derived spec, Prism answers validation failures with that 400.)
    sender = TwilioSmsSender(
        "ACnot-a-real-sid",
        TEST_AUTH_TOKEN,
        TEST_FROM_NUMBER,
        api_base_url=twilio_api.url,
    )

    with pytest.raises(PermanentSendError) as raised:
        sender.send(NURSE, PAGE)

    assert raised.value.http_status == 400
    assert twilio_api.messages(accepted=False)


@pytest.mark.parametrize(
    ("to", "body", "code"),
    [
        ("", PAGE, 21211),
        ("5558675310", PAGE, 21211),
        ("+1 555 867", PAGE, 21211),
        (NURSE, "", 21602),
        (NURSE, "   ", 21602),
        (NURSE, "x" * 1601, 21617),
    ],
)
def test_it_refuses_what_twilio_would_refuse_without_calling_it(
    sender: TwilioSmsSender, twilio_api: TwilioProxy, to: str, body: str, code: int
) -> None:
    # Twilio's spec cannot express these, so Prism would accept them: we check first.
    with pytest.raises(PermanentSendError) as raised:
        sender.send(to, body)

    assert raised.value.code == code
    assert twilio_api.requests == []


def test_a_dropped_connection_is_transient(sender: TwilioSmsSender, twilio_api: TwilioProxy) -> None:
    twilio_api.drop_connections(times=1)

    with pytest.raises(TransientSendError, match="network"):
        sender.send(NURSE, PAGE)

    assert twilio_api.messages()[0].status is None
    assert sender.send(NURSE, PAGE).status == "queued"


def test_a_2xx_that_is_not_twilio_json_is_transient() -> None:
    with html_server() as url, pytest.raises(TransientSendError, match="unreadable"):
        sender_for(url).send(NURSE, PAGE)


def test_a_refused_connection_is_transient() -> None:
    with pytest.raises(TransientSendError, match="ConnectionError") as raised:
        sender_for(closed_port_url()).send(NURSE, PAGE)

    assert raised.value.code is None


def test_a_peer_that_never_answers_times_out_as_transient() -> None:
    with silent_server() as url, pytest.raises(TransientSendError, match="timeout"):
        sender_for(url, timeout=0.3).send(NURSE, PAGE)


@pytest.mark.parametrize(
    ("exc", "error", "code", "http_status"),
    [
        (
            TwilioRestException(400, "/x", "STOP", code=21610),
            PermanentSendError,
            21610,
            400,
        ),
        (
            TwilioRestException(404, "/x", "gone", code=20404),
            PermanentSendError,
            20404,
            404,
        ),
        (
            TwilioRestException(409, "/x", "odd", code=None),
            PermanentSendError,
            None,
            409,
        ),
        (
            TwilioRestException(502, "/x", "gateway", code=None),
            TransientSendError,
            None,
            502,
        ),
        (
            TwilioServiceException("about:blank", "Busy", 503, 20503),
            TransientSendError,
            20503,
            503,
        ),
        (
            TwilioServiceException("about:blank", "No", 400, 21614),
            PermanentSendError,
            21614,
            400,
        ),
        (TwilioException("Unable to fetch page"), TransientSendError, None, None),
        (requests.ConnectionError("reset by peer"), TransientSendError, None, None),
        (requests.ReadTimeout("read timed out"), TransientSendError, None, None),
    ],
)
def test_it_maps_every_sdk_failure_shape(
    exc: Exception, error: type[SendError], code: int | None, http_status: int | None
) -> None:
    # TwilioServiceException (RFC 9457 bodies) is a sibling of TwilioRestException, not a
    # subclass: both must be caught. Prism cannot produce it from the v2010 spec.
    mapped = to_send_error(exc)  # type: ignore[arg-type]

    assert type(mapped) is error
    assert (mapped.code, mapped.http_status) == (code, http_status)


def test_it_needs_credentials_and_a_sender() -> None:
    with pytest.raises(ValueError, match="account SID"):
        TwilioSmsSender("", TEST_AUTH_TOKEN, TEST_FROM_NUMBER)
    with pytest.raises(ValueError, match="from number or a messaging service"):
        TwilioSmsSender(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN)
