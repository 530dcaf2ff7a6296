"""The SMS seam: what the rest of Vigil knows about sending a text message.

Callers (the outbox dispatcher) depend only on this module. A sender either returns a
`SendResult` or raises a `SendError` whose class tells the dispatcher what to do next:
`PermanentSendError` means "this message to this number will never go through, stop and
escalate"; `TransientSendError` means "try the same message again later, with backoff".
No Twilio import here, so the classification is usable (and testable) without the SDK,
e.g. for the `ErrorCode` of a delivery status callback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# Twilio error codes (https://www.twilio.com/docs/api/errors) for which retrying the same
# message cannot help: the number, the opt-out state or the account setup must change first.
PERMANENT_TWILIO_CODES: frozenset[int] = frozenset(
    {
        20003,  # authentication failed: wrong credentials (fix config, not retry)
        20404,  # resource not found
        21211,  # invalid 'To' phone number
        21212,  # invalid 'From' phone number
        21408,  # SMS to this region not enabled on the account
        21602,  # message body required
        21606,  # 'From' is not an SMS-capable number of the account
        21608,  # trial account: 'To' not verified
        21610,  # recipient replied STOP (unsubscribed)
        21612,  # 'To' cannot be reached from this 'From'
        21614,  # 'To' is not a mobile number
        21617,  # body exceeds 1600 characters
        30003,  # unreachable destination handset
        30004,  # message blocked
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
        30007,  # carrier filtered the message
        30032,  # toll-free number not verified
        30034,  # US A2P 10DLC: number not registered
    }
)

# Codes that describe a momentary condition on Twilio's side or ours.
TRANSIENT_TWILIO_CODES: frozenset[int] = frozenset(
    {
        14107,  # outbound SMS rate limit exceeded
        20429,  # too many requests
        20500,  # internal server error
        20503,  # service unavailable
        30001,  # queue overflow
        30008,  # unknown delivery error (carrier side)
    }
)


@dataclass(frozen=True)
class SendResult:
    """What the provider said when it accepted a message."""

    sid: str | None
    status: str


class SendError(Exception):
    """A message was not accepted. `code` is the provider's error code when it gave one."""

    def __init__(self, code: int | None, message: str, *, http_status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        # Seconds the provider asked us to wait (HTTP 429's Retry-After), when it said.
        self.retry_after: float | None = None

    @property
    def throttled(self) -> bool:
        """The provider refused for load, not for this message: it was not processed (Twilio
        20429/HTTP 429), so it is sent again later without counting as an attempt."""
        return self.http_status == 429 or self.code == 20429

    def __str__(self) -> str:
        parts = [self.message]
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.http_status is not None:
            parts.append(f"http={self.http_status}")
        return " ".join(parts)


class PermanentSendError(SendError):
    """Do not retry this message to this recipient; escalate instead."""


class TransientSendError(SendError):
    """Retry the same message later with backoff."""


def classify_error(code: int | None, http_status: int | None) -> type[SendError]:
    """Decide permanent vs transient from a provider code and/or an HTTP status.

    A known code wins over the status (Twilio answers 400 for some rate limits). Unknown
    4xx are permanent because resending the same request gets the same answer; anything
    else unknown is transient, because for a clinical page a wasted retry costs less than
    a page dropped on an unrecognised hiccup.
    """
    if code in PERMANENT_TWILIO_CODES:
        return PermanentSendError
    if code in TRANSIENT_TWILIO_CODES:
        return TransientSendError
    if http_status is not None:
        if http_status in (408, 429) or http_status >= 500:
            return TransientSendError
        if 400 <= http_status < 500:
            return PermanentSendError
    return TransientSendError


E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MAX_BODY_CHARS = 1600  # Twilio refuses longer bodies (21617)


def check_outgoing(to: str, body: str) -> None:
    """Refuse, before any network call, what Twilio would refuse anyway.

    Twilio's OpenAPI description (and so the local stand-in) cannot express these rules:
    it accepts an empty or non-E.164 `To` and an empty body. Checking here gives every
    backend, including the log one used in development, the same behaviour as production.
    """
    if not isinstance(to, str) or not E164.match(to):
        raise PermanentSendError(21211, f"invalid 'To' number {to!r}: E.164 expected")
    if not body or not body.strip():
        raise PermanentSendError(21602, "message body is required")
    if len(body) > MAX_BODY_CHARS:
        raise PermanentSendError(21617, f"body has {len(body)} characters, max {MAX_BODY_CHARS}")


@runtime_checkable
class SmsSender(Protocol):
    """Anything that can hand one SMS to a carrier-facing service."""

    name: str

    def send(
        self, to: str, body: str, *, status_callback: str | None = None, validity_period: int | None = None
    ) -> SendResult:
        """Send `body` to the E.164 number `to`; raise a `SendError` subclass on failure.
        `validity_period`: seconds the message may wait in the provider's queue before it is dropped."""
        ...
