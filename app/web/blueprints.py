"""The two blueprints: the care team's pages and the patients' check-in page.

Errors on these pages answer with HTML, not the API's JSON error shape.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.services.baseline import baseline_notice
from app.services.errors import DomainError
from app.web.errors import page_message
from app.web.formatting import delivery_label, local_time
from app.web.forms import DISPOSITION_LABELS
from app.web.security import add_security_headers

log = logging.getLogger("vigil.web")

staff_bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/web/static"
)
checkin_bp = Blueprint("checkin", __name__, template_folder="templates")

TITLES = {
    400: "The request was not understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Already done",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _page(status: int, message: str):
    return render_template("web/error.html", status=status, title=TITLES.get(status, "Error"), message=message), status


def _csrf_refused(error: CSRFError):
    return _page(
        400,
        "This form was refused because its security token was missing or had expired. "
        "Go back, reload the page and try again.",
    )


def _http_error(error: HTTPException):
    db.session.rollback()
    return _page(error.code or 500, error.description or "")


def _refused(error: DomainError):
    db.session.rollback()
    return _page(error.status, page_message(error))


def _unexpected(error: Exception):
    db.session.rollback()
    log.exception("unhandled error on a web page")
    return _page(500, "Something went wrong on our side; it has been logged.")


@staff_bp.app_template_filter("local_time")
def _local_time(value, tz: str, fmt: str = "%a %d %b %H:%M") -> str:  # noqa: ANN001 - a datetime or None
    return local_time(value, tz, fmt)


@staff_bp.app_template_filter("delivery")
def _delivery(state: str | None) -> str:
    return delivery_label(state)


@staff_bp.app_template_filter("fromiso")
def _fromiso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@staff_bp.app_template_global("disposition_choices")
def _disposition_choices() -> list[tuple[str, str]]:
    # A global, not a context variable: the macros that draw the resolve form are imported without context.
    return [("", "Choose…"), *DISPOSITION_LABELS.items()]


@staff_bp.app_template_global("baseline_notice")
def _baseline_notice(patient) -> str | None:  # noqa: ANN001 - a Patient
    # R20: every staff view of a patient says when relative rules are off.
    return baseline_notice(patient)


# "Can't measure" answers as the staff pages word them.
NOT_MEASURED_LABELS = {
    "temperature": "Temperature",
    "heart_rate": "Heart rate",
    "blood_pressure": "Blood pressure",
    "spo2": "SpO2",
    "respiratory_rate": "Breathing rate",
    "weight": "Weight",
}


@staff_bp.app_template_global("not_measured_text")
def _not_measured_text(names) -> str:  # noqa: ANN001 - a list of not_measured names
    names = set(names or ())  # in the order the form asks them, not as stored (sorted)
    return ", ".join(label for name, label in NOT_MEASURED_LABELS.items() if name in names)


def _refuse_control_characters_in_next():
    """`next` ends up in a Location header: a CR/LF there would split the response (werkzeug
    refuses it with a 500). Refuse it by name instead."""
    for value in (request.args.get("next"), request.form.get("next") if request.method == "POST" else None):
        if value and any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            return _page(400, "Not valid: next (it may not contain a line break or control character).")
    return None


staff_bp.before_request(_refuse_control_characters_in_next)

for _bp in (staff_bp, checkin_bp):
    _bp.after_request(add_security_headers)
    _bp.register_error_handler(CSRFError, _csrf_refused)
    _bp.register_error_handler(HTTPException, _http_error)
    _bp.register_error_handler(DomainError, _refused)
    _bp.register_error_handler(Exception, _unexpected)
