"""The development default: every SMS becomes one log line, nothing leaves the machine."""

from __future__ import annotations

import logging
import uuid

from app.notify.base import SendResult, check_outgoing
from app.notify.gsm import is_gsm7, sms_segments

logger = logging.getLogger("vigil.sms")


class LogSmsSender:
    """Writes the message to the `vigil.sms` logger and reports it as sent.

    Bodies are logged in full: they are the minimum-necessary page text that would have
    gone over SMS anyway, and a developer needs to read them.
    """

    name = "log"

    def send(
        self, to: str, body: str, *, status_callback: str | None = None, validity_period: int | None = None
    ) -> SendResult:
        check_outgoing(to, body)
        # A Twilio-shaped SID (prefix + 32 hex) so code that stores SIDs needs no special case.
        sid = "LOG" + uuid.uuid4().hex
        logger.info(
            "SMS %s to %s (%d chars, %d segments, %s)%s: %s",
            sid,
            to,
            len(body),
            sms_segments(body),
            "GSM-7" if is_gsm7(body) else "UCS-2",
            (" callback=" + status_callback if status_callback else "")
            + (f" valid {validity_period}s" if validity_period is not None else ""),
            body,
        )
        return SendResult(sid=sid, status="sent")
