"""The test support itself: derived spec, Prism restarts (outages), the proxy's recorder."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from app.notify import TransientSendError
from app.notify.twilio_sms import TwilioSmsSender
from tests.support.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER
from tests.support.polling import wait_until
from tests.support.prism import (
    MESSAGES_PATH,
    TWILIO_SPEC,
    PrismServer,
    write_derived_spec,
)
from tests.support.twilio_proxy import TwilioProxy

ON_CALL = "+15558675399"


def sender_for(twilio_api: TwilioProxy) -> TwilioSmsSender:
    return TwilioSmsSender(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER, api_base_url=twilio_api.url)


def test_the_derived_spec_adds_twilio_errors_to_messages_create(tmp_path: Path) -> None:
    derived = write_derived_spec(TWILIO_SPEC, tmp_path / "spec.json")

    responses = json.loads(derived.read_text())["paths"][MESSAGES_PATH]["post"]["responses"]
    assert sorted(responses) == ["201", "400", "429", "500", "503"]
    example = responses["400"]["content"]["application/json"]["example"]
    assert (example["code"], example["status"]) == (21211, 400)
    stock = json.loads(TWILIO_SPEC.read_text())["paths"][MESSAGES_PATH]["post"]["responses"]
    assert sorted(stock) == ["201"]  # the shared original is untouched


def test_a_twilio_outage_and_recovery_at_the_same_address(prism: PrismServer, twilio_api: TwilioProxy) -> None:
    sender, port = sender_for(twilio_api), prism.port

    prism.stop()
    with pytest.raises(TransientSendError, match="network"):
        sender.send(ON_CALL, "during the outage")
    prism.start()

    assert prism.port == port
    assert sender.send(ON_CALL, "after the outage").status == "queued"
    assert [r.status for r in twilio_api.messages(to=ON_CALL)] == [None, 201]


def test_a_page_sent_elsewhere_can_be_awaited(twilio_api: TwilioProxy) -> None:
    # How paging tests check "the on-call number appears in a Messages request that the
    # stand-in accepted" when the send happens on another thread or process.
    worker = threading.Thread(target=sender_for(twilio_api).send, args=(ON_CALL, "page"))
    worker.start()

    request = twilio_api.wait_for(lambda r: r.accepted and r.form.get("To") == ON_CALL)

    worker.join(timeout=5)
    assert request.form["Body"] == "page"
    assert request.response["status"] == "queued"


def test_wait_until_gives_up_at_its_deadline() -> None:
    with pytest.raises(TimeoutError, match="the impossible"):
        wait_until(lambda: False, timeout=0.05, what="the impossible")


def test_wait_until_returns_the_first_truthy_value() -> None:
    calls = iter([None, 0, "ready"])

    assert wait_until(lambda: next(calls), timeout=1) == "ready"
