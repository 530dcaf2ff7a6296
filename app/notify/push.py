"""Push to the patient's app: the seam, a log backend for development, and Firebase Cloud
Messaging (HTTP v1) through the official `firebase-admin` SDK, which reaches Android and iOS.

A push shows on a locked screen, so it never carries health data: a fixed title and body in the
patient's language, and in its data only what the app needs to open the right screen (the
check-in id). Importing this module never imports `firebase_admin`; only the FCM backend does.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.notify.base import PermanentSendError, SendError, SendResult, TransientSendError

log = logging.getLogger("vigil.push")

BACKENDS = ("log", "fcm")
DEFAULT_FCM_BASE_URL = "https://fcm.googleapis.com"


class PushTokenGoneError(PermanentSendError):
    """FCM says the token is invalid or no longer registered: the app was uninstalled or its
    token rotated. The device must be dropped; the message goes by SMS instead."""


@dataclass(frozen=True)
class Push:
    token: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)  # string values only (FCM's rule)


class PushSender(Protocol):
    name: str

    def send(self, push: Push) -> SendResult:
        """Hand one push to the provider; raise PushTokenGoneError or another SendError on failure."""
        ...


def _token_hint(token: str) -> str:
    # A registration token addresses one phone: logs name only its last characters.
    return "…" + token[-6:]


class LogPushSender:
    """Development default: every push becomes one log line, nothing leaves the machine."""

    name = "log"

    def send(self, push: Push) -> SendResult:
        message_id = "LOGPUSH" + uuid.uuid4().hex
        log.info(
            "PUSH %s to device %s: %s | %s | data=%s",
            message_id,
            _token_hint(push.token),
            push.title,
            push.body,
            dict(sorted(push.data.items())),
        )
        return SendResult(sid=message_id, status="sent")


class FcmPushSender:
    """Sends with `firebase_admin.messaging.send` under a named Firebase app of its own."""

    name = "fcm"

    def __init__(
        self, credentials_file: str, project_id: str, api_base_url: str = DEFAULT_FCM_BASE_URL, timeout: float = 10.0
    ):
        import firebase_admin
        from firebase_admin import credentials

        # The key file names its own OAuth token endpoint (token_uri), which google-auth uses.
        credential = credentials.Certificate(credentials_file)
        self.app = firebase_admin.initialize_app(
            credential, {"projectId": project_id, "httpTimeout": timeout}, name=f"vigil-push-{uuid.uuid4().hex}"
        )
        self.api_base_url = api_base_url.rstrip("/")

    def _service(self) -> Any:  # firebase-admin's own _MessagingService; the SDK ships no py.typed
        import requests
        from firebase_admin import messaging

        service = messaging._get_messaging_service(self.app)  # built once per app, then cached
        if not getattr(service, "_vigil_ready", False):
            if self.api_base_url != DEFAULT_FCM_BASE_URL:
                # firebase-admin has no setting for the FCM host (its emulator variables cover
                # Auth, Database, Firestore and Storage only); the service's send URL is the one
                # place it is built, so a stand-in or a proxy is reached by rewriting its host.
                service._fcm_url = service._fcm_url.replace(DEFAULT_FCM_BASE_URL, self.api_base_url, 1)
            # No SDK retries (up to 4, with backoff, on a 503): the outbox owns retries, and a
            # reminder FCM cannot take now goes by SMS in the same tick instead of waiting.
            service._client.session.mount(self.api_base_url, requests.adapters.HTTPAdapter(max_retries=0))
            service._vigil_ready = True
        return service

    def send(self, push: Push) -> SendResult:
        from firebase_admin import exceptions, messaging
        from google.auth.exceptions import GoogleAuthError

        with warnings.catch_warnings():
            # firebase-admin 7.7 deprecates `token` for Firebase installation ids (`fid`); the app
            # registers the FCM registration token, which the v1 API still takes as `token`.
            warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
            message = messaging.Message(
                token=push.token,
                notification=messaging.Notification(title=push.title, body=push.body),
                data=push.data,
                android=messaging.AndroidConfig(priority="high"),
                apns=messaging.APNSConfig(payload=messaging.APNSPayload(aps=messaging.Aps(sound="default"))),
            )
        try:
            name = self._service().send(message)
        except messaging.UnregisteredError as exc:
            raise PushTokenGoneError(None, f"fcm: token gone: {exc.code}") from exc
        except exceptions.InvalidArgumentError as exc:
            # The message itself is fixed and valid, so FCM's INVALID_ARGUMENT means the token.
            raise PushTokenGoneError(None, f"fcm: invalid token: {exc.code}") from exc
        except exceptions.FirebaseError as exc:
            status = exc.http_response.status_code if exc.http_response is not None else None
            kind = TransientSendError if status is None or status >= 500 or status == 429 else PermanentSendError
            raise kind(None, f"fcm: {exc.code}", http_status=status) from exc
        except GoogleAuthError as exc:  # the OAuth token could not be had (key refused, endpoint down)
            raise TransientSendError(None, f"fcm: credentials: {type(exc).__name__}") from exc
        except ValueError as exc:  # an unreadable answer, or a token the SDK itself refuses
            raise TransientSendError(None, f"fcm: {exc}") from exc
        return SendResult(sid=name, status="sent")


def _get(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    return (str(value).strip() or None) if value is not None else None


def build_push_sender(config: Mapping[str, Any]) -> PushSender:
    backend = (_get(config, "PUSH_BACKEND") or "log").lower()
    if backend == "log":
        return LogPushSender()
    if backend != "fcm":
        raise ValueError(f"PUSH_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    missing = [key for key in ("FCM_CREDENTIALS_FILE", "FCM_PROJECT_ID") if not _get(config, key)]
    if missing:
        raise ValueError("PUSH_BACKEND=fcm needs " + ", ".join(missing) + " to be set")
    return FcmPushSender(
        str(_get(config, "FCM_CREDENTIALS_FILE")),
        str(_get(config, "FCM_PROJECT_ID")),
        _get(config, "FCM_API_BASE_URL") or DEFAULT_FCM_BASE_URL,
    )


__all__ = [
    "BACKENDS",
    "FcmPushSender",
    "LogPushSender",
    "Push",
    "PushSender",
    "PushTokenGoneError",
    "SendError",
    "build_push_sender",
]
