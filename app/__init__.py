"""Vigil: the application factory. Reads as a table of contents; nothing runs at import."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from config import Config, ProductionConfig, config_from_env


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    config = config or config_from_env()
    if issubclass(config, ProductionConfig):
        config.check()
    # static_folder=None: every asset is served by the web blueprint (app/web/static); no second route.
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_object(config)
    app.config.update(overrides)
    from app.startup import check
    from config import DEV_SECRET_KEY

    # Before anything else is built: a deployment that would fail open does not start.
    app.extensions["vigil_sms_sender"] = check(
        app.config, production=issubclass(config, ProductionConfig), dev_secret_key=DEV_SECRET_KEY
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider has it; keep schema order
    if app.config.get("TRUSTED_PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    register_logging(app)
    register_extensions(app)
    register_delivery_outcomes(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Quiet per-tick chatter; failures still show.
    # twilio.http_client logs every request's headers at INFO: several lines per message in a wave.
    for noisy in (
        "alembic.runtime.plugins",
        "apscheduler.executors.default",
        "apscheduler.scheduler",
        "twilio.http_client",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401 - the mapper registry and Alembic need every model
    from app.api.extension import api
    from app.extensions import babel, db, limiter, migrate
    from app.i18n import select_locale

    os.makedirs(app.instance_path, exist_ok=True)  # the default SQLite file lives there
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    from app import db as database

    database.register(app)  # per-connection settings and session listeners (app/db/)


def register_delivery_outcomes(app: Flask) -> None:
    """The outbox only reports a message that reached nobody for good; these act on it, in order:
    a number Twilio refuses (21610) is an opt-out, and a page not delivered moves its chain on."""
    from app.services import escalation, opt_out, outbox

    outbox.when_not_delivered(app, opt_out.unsubscribed_if_21610, escalation.page_not_reached)


def register_blueprints(app: Flask) -> None:
    from app.api import (
        alerts,
        audit,
        auth,
        centers,
        checkins,
        devices,
        docs,
        escalation,
        fhir,
        me,
        patients,
        protocols,
        reports,
        staff,
        voice_webhooks,
        webhooks,
    )
    from app.api.extension import api

    for module in (
        auth,
        centers,
        patients,
        me,
        devices,
        reports,
        checkins,
        alerts,
        escalation,
        protocols,
        fhir,
        audit,
        staff,
    ):
        api.register_blueprint(module.blp)
    fhir.register_code_system(app)
    app.register_blueprint(docs.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(voice_webhooks.bp)
    if app.config.get("BENCH_ENDPOINTS"):
        from app.api import bench

        app.register_blueprint(bench.bp)
    from app.web import register_web  # care-team pages and the patients' check-in page

    register_web(app)


def register_error_handlers(app: Flask) -> None:
    from app.api.errors_handlers import register

    register(app)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
