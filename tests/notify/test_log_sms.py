from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest

from app.notify import LogSmsSender, PermanentSendError, SmsSender

PAGE = "Vigil: patient 12 fever 38.4 C day 3. Reply ACK 4821"


@pytest.fixture
def sms_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # logging.config.fileConfig() disables every logger that already exists unless told
    # otherwise; Alembic's env.py calls it, so an in-process upgrade can silence us.
    assert not logging.getLogger("vigil.sms").disabled, (
        "the vigil.sms logger was disabled, probably by fileConfig() in migrations/env.py "
        "(it needs disable_existing_loggers=False)"
    )
    with caplog.at_level(logging.INFO, logger="vigil.sms"):
        yield caplog


def test_it_logs_one_line_per_message_and_reports_sent(
    sms_log: pytest.LogCaptureFixture,
) -> None:
    result = LogSmsSender().send("+15558675310", PAGE, status_callback="http://x/cb")

    assert result.status == "sent"
    assert re.fullmatch(r"LOG[0-9a-f]{32}", result.sid or "")
    [record] = sms_log.records
    line = record.getMessage()
    assert (record.name, record.levelno) == ("vigil.sms", logging.INFO)
    assert "+15558675310" in line and PAGE in line and result.sid in line
    assert f"{len(PAGE)} chars, 1 segments, GSM-7" in line


def test_it_reports_ucs2_and_segments(sms_log: pytest.LogCaptureFixture) -> None:
    LogSmsSender().send("+15558675310", "Fièvre 38,4 °C " * 6)

    assert "2 segments, UCS-2" in sms_log.records[0].getMessage()


def test_every_message_gets_its_own_sid() -> None:
    sender = LogSmsSender()

    sids = {sender.send("+15558675310", PAGE).sid for _ in range(20)}

    assert len(sids) == 20


def test_it_refuses_a_bad_number_like_twilio_would() -> None:
    with pytest.raises(PermanentSendError) as raised:
        LogSmsSender().send("0555 867 5310", PAGE)

    assert raised.value.code == 21211


def test_it_is_an_sms_sender() -> None:
    assert isinstance(LogSmsSender(), SmsSender)
    assert LogSmsSender.name == "log"
