"""App-wide handlers so every failure answers in the one error shape."""

from __future__ import annotations

import logging

from flask import Flask, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.api.errors import error_body, error_response
from app.extensions import db

log = logging.getLogger("vigil.errors")


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_response)

    @app.before_request
    def refuse_nameless_query_parameters():
        # "?=x" carries a value nobody asked for; webargs would silently drop it.
        if "" in request.args:
            return error_body(400, "A query parameter has no name."), 400
        return None

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
