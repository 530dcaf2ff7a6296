"""App-wide handlers so every failure answers in the one error shape."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re

from flask import Flask, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.api.errors import ApiError, domain_error_response, error_body, error_response
from app.extensions import db
from app.services.errors import DomainError

log = logging.getLogger("vigil.errors")


def _declares_query(endpoint: str | None) -> bool | None:
    """Whether the API operation reads a query string (None: not one of the API's operations)."""
    view = current_app.view_functions.get(endpoint or "")
    method = getattr(getattr(view, "view_class", None), request.method.lower(), None)
    if method is None:
        return None
    parameters = getattr(method, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(p.get("in") == "query" for p in parameters)


def _refuse_unknown_query_parameters() -> None:
    """Operations with a query schema refuse unknown names there (StrictSchema); the others take
    no query string at all, and say so by name rather than ignore it (README)."""
    if not request.args or _declares_query(request.endpoint) is not False:
        return
    fields = {f"query.{name}": ["Unknown parameter."] for name in request.args}  # as webargs names them
    raise ApiError(422, "Not valid: " + ", ".join(sorted(fields)), fields=fields)


# Parsing a body this deeply nested, or with a number this long, fails inside the JSON decoder
# (RecursionError, or ValueError past Python's 4,300-digit limit) where webargs does not look:
# a 500. Only bodies that could be either are decoded here first; ordinary ones pass untouched.
_SUSPECT_NESTING = 200
_LONG_NUMBER = re.compile(rb"\d{1000}")


MAX_NESTING = 32  # the deepest body Vigil describes is 4 levels (a protocol's content)


def _depth(value) -> int:
    """Nesting depth of decoded JSON, without recursion (the value may be ~1,000 levels deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _refuse_undecodable_json() -> None:
    if request.method not in ("POST", "PUT", "PATCH") or not request.is_json:
        return
    raw = request.get_data(cache=True)
    if max(raw.count(b"["), raw.count(b"{")) < _SUSPECT_NESTING and not _LONG_NUMBER.search(raw):
        return
    try:
        too_deep = _depth(json.loads(raw)) > MAX_NESTING
    except RecursionError:
        message = "Nested too deeply."
    except json.JSONDecodeError:
        return  # webargs answers malformed JSON itself
    except ValueError:
        message = "A number is too long."
    else:
        if not too_deep:
            return
        message = "Nested too deeply."
    raise ApiError(400, f"Not valid: body ({message})", fields={"body": [message]})


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(page: str) -> str:
    """The docs page's CSP: its own assets, and only the inline script it ships (by hash), so an
    injected script cannot run there."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(page)
    )
    return (
        "default-src 'none'; script-src 'self' " + hashes + "; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_response)
    # A service's refusal anywhere outside the web pages (which answer it with a page, app/web/errors.py).
    app.register_error_handler(DomainError, domain_error_response)

    @app.before_request
    def refuse_malformed_requests():
        # "?=x" carries a value nobody asked for; webargs would silently drop it.
        if "" in request.args:
            raise ApiError(400, "A query parameter has no name.", fields={"query": ["No name."]})
        # The API speaks JSON: a form or text body would otherwise read as "every field missing".
        if (
            request.path.startswith("/api/")
            and request.method in ("POST", "PUT", "PATCH")
            and request.content_length
            and not request.is_json
        ):
            raise ApiError(415, "Send the body as JSON (Content-Type: application/json).")
        if request.path.startswith("/api/"):
            _refuse_unknown_query_parameters()
            _refuse_undecodable_json()
        return None

    @app.after_request
    def security_headers(response):
        # Pages set their own, stricter policy; these hold for every response.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") and not request.path.startswith("/api/v1/docs"):
            response.headers.setdefault("Cache-Control", "no-store")  # health data stays out of caches
        if str(current_app.config.get("PUBLIC_BASE_URL") or "").startswith("https://"):
            # Served over HTTPS: browsers must never fall back to plain HTTP.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.rstrip("/") == "/api/v1/docs" and response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", docs_policy(response.get_data(as_text=True)))
        return response

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        # A restarting database is an outage, not a bug: say so and let the client retry.
        db.session.rollback()
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return error_body(503, "The database is unavailable; try again shortly."), 503, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        db.session.rollback()
        log.exception("unhandled error")
        return error_body(500, "Something went wrong on our side; it has been logged."), 500
