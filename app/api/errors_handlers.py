"""App-wide handlers so every failure answers in the one error shape."""

from __future__ import annotations

import logging

from flask import Flask, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.api.errors import ApiError, error_body, error_response
from app.extensions import db

log = logging.getLogger("vigil.errors")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_response)

    @app.before_request
    def refuse_malformed_requests():
        # "?=x" carries a value nobody asked for; webargs would silently drop it.
        if "" in request.args:
            raise ApiError(400, "A query parameter has no name.")  # in the FHIR shape on FHIR paths
        # The API speaks JSON: a form or text body would otherwise read as "every field missing".
        if (request.path.startswith("/api/") and request.method in ("POST", "PUT", "PATCH")
                and request.content_length and not request.is_json):
            raise ApiError(415, "Send the body as JSON (Content-Type: application/json).")
        return None

    @app.after_request
    def security_headers(response):
        # Pages set their own, stricter policy; these hold for every response.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith("/api/") and not request.path.startswith("/api/v1/docs"):
            response.headers.setdefault("Cache-Control", "no-store")  # health data stays out of caches
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
