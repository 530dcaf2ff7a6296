"""A local stand-in of Firebase Cloud Messaging HTTP v1 and of the Google OAuth token endpoint
the `firebase-admin` SDK calls, so tests run the real SDK end to end:

    app (firebase-admin, google-auth) --POST /token (signed JWT)----------> FcmStandIn
                                      --POST /v1/projects/{p}/messages:send-->

- /token checks the service account's signed JWT assertion against the public half of the key
  generated for the test (`write_service_account`), and hands out an access token;
- messages:send refuses a request without one of those access tokens (401) or for another
  project (403), answers FCM's documented errors for tokens the test marked unregistered (404
  UNREGISTERED) or invalid (400 INVALID_ARGUMENT), or 503 while `unavailable`, and otherwise
  records the message and answers `{"name": "projects/{p}/messages/{n}"}`.

No real key is ever committed: each test session generates its own.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

PROJECT_ID = "vigil-test"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@dataclass
class FcmStandIn:
    public_pem: bytes = b""
    messages: list[dict] = field(default_factory=list)  # what FCM accepted: the `message` objects
    refused: list[tuple[int, dict]] = field(default_factory=list)
    unregistered: set[str] = field(default_factory=set)
    invalid: set[str] = field(default_factory=set)
    unavailable: bool = False
    tokens_issued: int = 0
    _access_tokens: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FcmStandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.refused.clear()
            self.unregistered.clear()
            self.invalid.clear()
            self.unavailable = False

    def sent_to(self, token: str) -> list[dict]:
        return [m for m in self.messages if m.get("token") == token]

    # ---- the two endpoints -----------------------------------------------------------------

    def oauth_token(self, form: dict[str, list[str]]) -> tuple[int, dict]:
        assertion = (form.get("assertion") or [""])[0]
        try:
            # google-auth signs for Google's token endpoint whatever token_uri it posts to.
            claims = jwt.decode(assertion, certs=self.public_pem, audience=[GOOGLE_TOKEN_AUDIENCE, self.url + "/token"])
        except ValueError as exc:
            return 400, {"error": "invalid_grant", "error_description": str(exc)}
        if "firebase.messaging" not in claims.get("scope", "") and "cloud-platform" not in claims.get("scope", ""):
            return 400, {"error": "invalid_scope"}
        access = "ya29.standin-" + secrets.token_hex(8)
        with self._lock:
            self._access_tokens.add(access)
            self.tokens_issued += 1
        return 200, {"access_token": access, "expires_in": 3600, "token_type": "Bearer"}

    def send(self, path: str, authorization: str, body: dict) -> tuple[int, dict]:
        project = path.split("/")[3] if path.count("/") >= 4 else ""
        if authorization.removeprefix("Bearer ") not in self._access_tokens:
            return 401, _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if project != PROJECT_ID:
            return 403, _error(403, "PERMISSION_DENIED", "Permission denied on the project")
        message = body.get("message") or {}
        token = message.get("token", "")
        if self.unavailable:
            result = 503, _error(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE")
        elif token in self.unregistered:
            result = 404, _error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        elif token in self.invalid:
            result = (
                400,
                _error(
                    400,
                    "INVALID_ARGUMENT",
                    "The registration token is not a valid FCM registration token",
                    "INVALID_ARGUMENT",
                ),
            )
        else:
            with self._lock:
                self.messages.append(message)
                return 200, {"name": f"projects/{project}/messages/{len(self.messages)}"}
        with self._lock:
            self.refused.append((result[0], message))
        return result


def _error(code: int, status: str, message: str, fcm_code: str | None = None) -> dict:
    details = (
        [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}] if fcm_code else []
    )
    return {"error": {"code": code, "message": message, "status": status, "details": details}}


def _handler_for(stand_in: FcmStandIn):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/token":
                status, answer = stand_in.oauth_token(parse_qs(raw.decode()))
            elif self.path.startswith("/v1/projects/") and self.path.endswith("/messages:send"):
                status, answer = stand_in.send(
                    self.path, self.headers.get("Authorization", ""), json.loads(raw or b"{}")
                )
            else:
                status, answer = 404, _error(404, "NOT_FOUND", "no such endpoint")
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:  # quiet
            pass

    return Handler


def write_service_account(stand_in: FcmStandIn, path: Path) -> Path:
    """Generate a throwaway service-account key whose token endpoint is the stand-in."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stand_in.public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT_ID,
                "private_key_id": secrets.token_hex(20),
                "private_key": private_pem,
                "client_email": f"vigil-push@{PROJECT_ID}.iam.gserviceaccount.com",
                "client_id": "100000000000000000000",
                "token_uri": stand_in.url + "/token",
            }
        )
    )
    return path
