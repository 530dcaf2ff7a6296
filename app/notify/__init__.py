"""SMS seam: pick a sender from configuration.

Importing this package never imports `twilio`; only `build_sender(...)` with the Twilio
backend does, so tools, migrations and tests that never send stay light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.notify.base import (
    PermanentSendError,
    SendError,
    SendResult,
    SmsSender,
    TransientSendError,
)
from app.notify.log_sms import LogSmsSender

__all__ = [
    "LogSmsSender",
    "PermanentSendError",
    "SendError",
    "SendResult",
    "SmsSender",
    "TransientSendError",
    "build_sender",
]

BACKENDS = ("log", "twilio")


def build_sender(config: Mapping[str, Any]) -> SmsSender:
    """Build the sender named by SMS_BACKEND.

    Without SMS_BACKEND, Twilio is chosen when its credentials and a sender are all set,
    else the log backend. Empty strings count as unset (as an empty env var does).
    """
    backend = (_get(config, "SMS_BACKEND") or _default_backend(config)).lower()
    if backend == "log":
        return LogSmsSender()
    if backend == "twilio":
        return _build_twilio(config)
    raise ValueError(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")


def _get(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def _default_backend(config: Mapping[str, Any]) -> str:
    has_sender = _get(config, "TWILIO_FROM_NUMBER") or _get(config, "TWILIO_MESSAGING_SERVICE_SID")
    has_credentials = _get(config, "TWILIO_ACCOUNT_SID") and _get(config, "TWILIO_AUTH_TOKEN")
    return "twilio" if has_credentials and has_sender else "log"


def _build_twilio(config: Mapping[str, Any]) -> SmsSender:
    missing = [key for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not _get(config, key)]
    if not (_get(config, "TWILIO_FROM_NUMBER") or _get(config, "TWILIO_MESSAGING_SERVICE_SID")):
        missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
    if missing:
        raise ValueError("SMS_BACKEND=twilio needs " + ", ".join(missing) + " to be set")
    # Imported here so that only a process that really sends loads the SDK.
    from app.notify.twilio_sms import DEFAULT_API_BASE_URL, TwilioSmsSender

    return TwilioSmsSender(
        account_sid=str(_get(config, "TWILIO_ACCOUNT_SID")),
        auth_token=str(_get(config, "TWILIO_AUTH_TOKEN")),
        from_number=_get(config, "TWILIO_FROM_NUMBER"),
        messaging_service_sid=_get(config, "TWILIO_MESSAGING_SERVICE_SID"),
        api_base_url=_get(config, "TWILIO_API_BASE_URL") or DEFAULT_API_BASE_URL,
    )
