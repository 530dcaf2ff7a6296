"""Twilio: the only module in Vigil that imports the `twilio` SDK.

Everything Twilio-specific stays here: sending, turning SDK and network failures into the
seam's permanent/transient errors, checking webhook signatures and writing TwiML replies.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from app.notify.base import (
    SendError,
    SendResult,
    TransientSendError,
    check_outgoing,
    classify_error,
)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
# Every Twilio REST host (api, messaging, edge/region variants) the SDK may build.
_TWILIO_HOST = re.compile(r"^https://[a-z0-9.-]*\.twilio\.com", re.IGNORECASE)


class BaseUrlHttpClient(TwilioHttpClient):
    """A TwilioHttpClient that sends to `api_base_url` instead of https://*.twilio.com.

    This is the SDK's supported extension point (`Client(http_client=...)`); `edge` and
    `region` only change the subdomain and cannot reach a local stand-in of the API.
    """

    def __init__(self, api_base_url: str = DEFAULT_API_BASE_URL, **kwargs: Any):
        # No SDK-level retries (the default): a retried POST after a read timeout could
        # page twice. The outbox owns retries. (The SDK mounts its retry adapter on
        # https:// only anyway, so an http:// base would never retry.)
        super().__init__(**kwargs)
        self.api_base_url = api_base_url.rstrip("/")
        self._rewrite = self.api_base_url.lower() != DEFAULT_API_BASE_URL
        # Several sender threads share this client: each keeps its own last answer,
        # whose Retry-After a 429 needs after the SDK has turned it into an exception.
        self._local = threading.local()
        if self.session is not None:  # one pooled connection per sender thread, not 10 for all
            from requests.adapters import HTTPAdapter

            for prefix in ("http://", "https://"):
                self.session.mount(prefix, HTTPAdapter(pool_maxsize=64))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._rewrite:
            url = _TWILIO_HOST.sub(self.api_base_url, url, count=1)
        self._local.headers = None
        response = super().request(method, url, *args, **kwargs)
        self._local.headers = response.headers
        return response

    def retry_after(self) -> float | None:
        """This thread's last answer's Retry-After, in seconds (Twilio sends whole seconds)."""
        value = (getattr(self._local, "headers", None) or {}).get("Retry-After")
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None


class TwilioSmsSender:
    """Sends through Twilio's Messages API with the real SDK."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str = DEFAULT_API_BASE_URL,
        timeout: float = 10.0,
    ):
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        if not from_number and not messaging_service_sid:
            raise ValueError("Twilio needs a from number or a messaging service SID")
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.http_client = BaseUrlHttpClient(api_base_url, timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=self.http_client)

    def send(
        self, to: str, body: str, *, status_callback: str | None = None, validity_period: int | None = None
    ) -> SendResult:
        check_outgoing(to, body)
        options = self._sender()
        if status_callback:
            options["status_callback"] = status_callback
        if validity_period is not None:
            options["validity_period"] = validity_period
        try:
            message = self.client.messages.create(to=to, body=body, **options)
        except (TwilioException, requests.RequestException) as exc:
            raise to_send_error(exc, self.http_client) from exc
        except ValueError as exc:
            # A 2xx that is not Twilio's JSON (a captive portal, a wrong base URL): we do
            # not know whether it was sent, and for a page a duplicate beats a loss.
            raise TransientSendError(None, f"twilio: unreadable answer: {exc}") from exc
        return SendResult(sid=message.sid, status=str(message.status))

    def _sender(self) -> dict[str, object]:
        # With a Messaging Service, Twilio picks the number from the pool (and queues above
        # the sender's throughput), so it wins when both are configured.
        if self.messaging_service_sid:
            return {"messaging_service_sid": self.messaging_service_sid}
        return {"from_": str(self.from_number)}


def to_send_error(
    exc: TwilioException | requests.RequestException, http_client: BaseUrlHttpClient | None = None
) -> SendError:
    """Translate an SDK or network failure into the seam's permanent/transient error."""
    if isinstance(exc, requests.RequestException):
        return _from_network_error(exc)
    error = _from_twilio_exception(exc)
    if error.throttled and http_client is not None:
        error.retry_after = http_client.retry_after()
    return error


def _from_twilio_exception(exc: TwilioException) -> SendError:
    # TwilioRestException and TwilioServiceException both carry these, but are siblings;
    # a bare TwilioException carries neither.
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    # str() of the SDK's exceptions is ANSI-coloured on a TTY, so read the fields instead.
    message = getattr(exc, "msg", None) or getattr(exc, "detail", None)
    message = message or getattr(exc, "title", None)
    message = message or (str(exc.args[0]) if exc.args else type(exc).__name__)
    status = status if isinstance(status, int) else None
    code = code if isinstance(code, int) else None
    return classify_error(code, status)(code, f"twilio: {message}", http_status=status)


def _from_network_error(exc: requests.RequestException) -> SendError:
    # Timeouts, refused and reset connections: Twilio (or the path to it) is unavailable
    # right now; the same request may well succeed later.
    kind = "timeout" if isinstance(exc, requests.Timeout) else type(exc).__name__
    return TransientSendError(None, f"network: {kind}: {exc}")


def validate_twilio_signature(url: str, params: Mapping[str, str], signature: str, auth_token: str) -> bool:
    """True when `signature` (the X-Twilio-Signature header) matches the URL Twilio
    called and all of the POSTed form parameters."""
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))


def twiml_message(text: str | None) -> str:
    """A TwiML reply with one message, or an empty `<Response/>` (no reply) for None."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
