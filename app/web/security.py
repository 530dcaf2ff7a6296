"""Cookie, CSRF and header settings for the web pages.

The JSON API (/api/, /webhooks/) authenticates every call with a bearer token or a Twilio
signature, so it has nothing a forged cross-site form could ride on; everything else that takes
a form is checked for a CSRF token, whatever blueprint it lives in, whenever it was registered.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

JSON_API_PREFIXES = ("/api/", "/webhooks/")
# 'self' only: no inline script or style, no CDN, nothing framing the pages (clickjacking).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _cookie_must_be_secure(app: Flask) -> bool:
    """Secure cookies everywhere except tests and plain-HTTP development on this machine."""
    if app.config.get("SESSION_COOKIE_SECURE"):
        return True
    url = urlsplit(app.config.get("PUBLIC_BASE_URL") or "")
    local_http = url.scheme == "http" and url.hostname in LOCAL_HOSTS
    return not (app.testing or app.debug or local_http)


def configure_session(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = _cookie_must_be_secure(app)
    # A signed-in session lasts a shift, like the API's staff tokens; the token in it expires then too.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config.get("STAFF_TOKEN_HOURS", 12))
    # Forms stay valid for a shift: a nurse may leave the alert page open for hours before acting.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", app.config.get("STAFF_TOKEN_HOURS", 12) * 3600)


def init_csrf(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # the hook below decides, by path
    csrf.init_app(app)

    @app.before_request
    def _check_csrf() -> None:
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.path.startswith(JSON_API_PREFIXES):
            return
        if request.endpoint is None:
            return  # no such route: let routing answer 404/405
        csrf.protect()  # only POST, PUT, PATCH, DELETE; raises CSRFError (400)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # same-origin: check-in links carry their token in the path, which must not leak to other sites.
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "web.static":
        headers.setdefault("Cache-Control", "no-store")  # health data stays out of shared and back caches
    return response
