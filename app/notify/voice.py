"""Voice calls of pages: the seam, a log backend for development, and the choice of
backend. The Twilio caller lives in app.notify.twilio_voice; importing this module never imports
the SDK.

A call says the page in plain words and asks for a keypress (TwiML built per call, because its
Gather webhook carries the message's token). What happened on the line comes back as Twilio's
call status callbacks: queued, initiated, ringing, in-progress, then completed, busy, no-answer,
canceled or failed, with AnsweredBy when answering-machine detection ran.
"""

from __future__ import annotations

import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any, Protocol

from app.notify.base import PermanentSendError, SendResult, check_outgoing

log = logging.getLogger("vigil.voice")

BACKENDS = ("log", "twilio")


class VoiceCaller(Protocol):
    name: str

    def call(self, to: str, twiml: str, *, status_callback: str | None = None) -> SendResult:
        """Place a call that runs `twiml`; raise a SendError subclass when it was not placed."""
        ...


def spoken_lines(twiml: str) -> list[str]:
    """What a TwiML document says, in order (for the log backend and the demo)."""
    return [element.text or "" for element in ET.fromstring(twiml).iter("Say")]  # noqa: S314 - our own TwiML


class LogVoiceCaller:
    """Development default: writes what the call would say to the `vigil.voice` logger."""

    name = "log"

    def call(self, to: str, twiml: str, *, status_callback: str | None = None) -> SendResult:
        check_outgoing(to, "call")
        sid = "LOGCA" + uuid.uuid4().hex
        lines = spoken_lines(twiml)
        # The script is said twice inside the Gather; the log shows it once.
        log.info("CALL %s to %s would say: %s", sid, to, " / ".join(dict.fromkeys(lines)))
        return SendResult(sid=sid, status="queued")


def _get(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    return (str(value).strip() or None) if value is not None else None


def build_voice_caller(config: Mapping[str, Any]) -> VoiceCaller:
    backend = (_get(config, "VOICE_BACKEND") or "log").lower()
    if backend == "log":
        return LogVoiceCaller()
    if backend != "twilio":
        raise ValueError(f"VOICE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    missing = [
        key for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER") if not _get(config, key)
    ]
    if missing:
        raise ValueError("VOICE_BACKEND=twilio needs " + ", ".join(missing) + " to be set")
    # Imported here so that only a process that really places calls loads the SDK.
    from app.notify.twilio_sms import DEFAULT_API_BASE_URL
    from app.notify.twilio_voice import TwilioVoiceCaller

    return TwilioVoiceCaller(
        str(_get(config, "TWILIO_ACCOUNT_SID")),
        str(_get(config, "TWILIO_AUTH_TOKEN")),
        str(_get(config, "TWILIO_FROM_NUMBER")),
        _get(config, "TWILIO_API_BASE_URL") or DEFAULT_API_BASE_URL,
    )


__all__ = ["BACKENDS", "LogVoiceCaller", "PermanentSendError", "VoiceCaller", "build_voice_caller", "spoken_lines"]
