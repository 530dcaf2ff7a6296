"""Care-team web pages and the patients' check-in page.

Server-rendered (Jinja) and self-contained: every script, style and the chart library are served
from app/web/static, so the pages work with no internet. The JSON API keeps its bearer tokens;
these pages use a session cookie and CSRF-protected forms.
"""

from __future__ import annotations

from flask import Flask

# The view modules attach their routes to the blueprints when imported.
from app.web import alerts, auth, checkin, patients, protocols, queue  # noqa: F401
from app.web.blueprints import checkin_bp, staff_bp
from app.web.security import configure_session, init_csrf


def register_web(app: Flask) -> None:
    """Bind the web layer to `app`: session cookie settings, CSRF, the two blueprints."""
    configure_session(app)
    init_csrf(app)
    app.register_blueprint(staff_bp)
    app.register_blueprint(checkin_bp)
