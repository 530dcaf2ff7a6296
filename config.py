"""Configuration read from the environment (and `.env` when present).

Names follow the configuration table in the README. Pick a class with VIGIL_CONFIG
(development, testing, production); FLASK_ENV=production also selects production.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import overload

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")


class ConfigError(RuntimeError):
    """A setting that stops Vigil from starting; wsgi.py prints it as one line, no traceback."""


DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production below


@overload
def _env(name: str, default: str) -> str: ...
@overload
def _env(name: str, default: None = None) -> str | None: ...
def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _default_sms_backend() -> str:
    has_sender = _env("TWILIO_FROM_NUMBER") or _env("TWILIO_MESSAGING_SERVICE_SID")
    if _env("TWILIO_ACCOUNT_SID") and _env("TWILIO_AUTH_TOKEN") and has_sender:
        return "twilio"
    return "log"


def _database_url() -> str:
    url = _env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'vigil.db'}")
    # Heroku-style URLs name the driver-less scheme; psycopg 3 is the driver we ship.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Config:
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _database_url()
    # Multi-row INSERTs in pages of 25 rows: psycopg parses each statement's text in Python, and
    # a burst's 1,000-row statements cost more to parse than 40 small ones cost to send.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "insertmanyvalues_page_size": 25}
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 256 * 1024)

    # SMS
    SMS_BACKEND = _env("SMS_BACKEND", _default_sms_backend())
    TWILIO_ACCOUNT_SID = _env("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = _env("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = _env("TWILIO_FROM_NUMBER")
    TWILIO_MESSAGING_SERVICE_SID = _env("TWILIO_MESSAGING_SERVICE_SID")
    TWILIO_API_BASE_URL = _env("TWILIO_API_BASE_URL", "https://api.twilio.com")
    # `PORT` (honcho and Heroku set it) also moves the default, so links in pages and callbacks work.
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", f"http://localhost:{_env('PORT', '5000')}")
    # FHIR: Vigil's namespace for identifiers, and the canonical URL of its local CodeSystem
    # (served at that URL's path when it is on this deployment).
    # Unset: PUBLIC_BASE_URL + /fhir, and <FHIR_BASE_URL>/CodeSystem/vigil (app/fhir/common.py).
    FHIR_BASE_URL = _env("FHIR_BASE_URL")
    FHIR_CODESYSTEM_URL = _env("FHIR_CODESYSTEM_URL")
    # Push to the patient's app: log (development) or fcm (Firebase Cloud Messaging HTTP v1
    # through firebase-admin, with a service-account key file and its project id).
    PUSH_BACKEND = _env("PUSH_BACKEND", "log")
    FCM_CREDENTIALS_FILE = _env("FCM_CREDENTIALS_FILE")
    FCM_PROJECT_ID = _env("FCM_PROJECT_ID")
    FCM_API_BASE_URL = _env("FCM_API_BASE_URL", "https://fcm.googleapis.com")
    # Voice calls of pages: log, or twilio (the Twilio account above, calling from
    # TWILIO_FROM_NUMBER). Defaults to twilio when the account and a from number are set.
    VOICE_BACKEND = _env(
        "VOICE_BACKEND",
        "twilio" if _env("TWILIO_ACCOUNT_SID") and _env("TWILIO_AUTH_TOKEN") and _env("TWILIO_FROM_NUMBER") else "log",
    )
    # Pages carry initials and the last 4 of the MRN; set to 0 to drop even the initials.
    PAGE_SHOW_INITIALS = _env("PAGE_SHOW_INITIALS", "1") == "1"
    CLOCK_TICK_SECONDS = _int("CLOCK_TICK_SECONDS", 15)
    # The clock's sender: messages handed to Twilio per second by one clock process,
    # and requests in flight at once. 100/s: see the README's configuration table for why.
    SMS_MAX_PER_SECOND = _int("SMS_MAX_PER_SECOND", 100)
    SMS_CONCURRENCY = _int("SMS_CONCURRENCY", 25)
    BENCH_ENDPOINTS = _env("VIGIL_BENCH") == "1"  # the benchmark's bare-insert yardstick; never in production

    # Tokens: staff work in shifts; a patient's phone stays signed in for the monitoring window.
    STAFF_TOKEN_HOURS = _int("STAFF_TOKEN_HOURS", 12)
    PATIENT_TOKEN_DAYS = _int("PATIENT_TOKEN_DAYS", 120)
    ENROLLMENT_CODE_HOURS = _int("ENROLLMENT_CODE_HOURS", 72)
    ENROLLMENT_MAX_WRONG_TRIES = 5
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - werkzeug's default: memory-hard, slow on purpose

    # Rate limits (Flask-Limiter). memory:// is per process; set redis://... in production.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env("RATELIMIT_ENABLED", "1") == "1"
    AUTH_RATE_LIMIT = _env("AUTH_RATE_LIMIT", "10/minute;100/hour")
    RATELIMIT_HEADERS_ENABLED = True
    # Reverse proxies in front of the app (a load balancer, Heroku's router): their X-Forwarded-For
    # names the client for rate limits and the audit. 0 trusts no header, so a client cannot forge one.
    TRUSTED_PROXY_HOPS = _int("TRUSTED_PROXY_HOPS", 0)

    # OpenAPI (flask-smorest); the docs page is served from local assets, no CDN.
    API_TITLE = "Vigil"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"

    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en", "es")
    TESTING = False


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    # Tests may run on PostgreSQL, which faces the world: a key of this process's own, never the
    # development key (app/startup.py), unless the environment names one.
    SECRET_KEY = _env("SECRET_KEY") or secrets.token_urlsafe(32)
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    AUTH_RATE_LIMIT = "1000/minute"  # the rate-limit test lowers it for itself
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - thousands of test logins; never in production
    SMS_BACKEND = "log"
    PUSH_BACKEND = "log"
    VOICE_BACKEND = "log"


class ProductionConfig(Config):
    @classmethod
    def check(cls) -> None:
        if not _env("SECRET_KEY") or cls.SECRET_KEY == DEV_SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY must be set in production (e.g. SECRET_KEY=$(python3 -c "
                "'import secrets; print(secrets.token_urlsafe(32))'))"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = _env("VIGIL_CONFIG") or ("production" if _env("FLASK_ENV") == "production" else "development")
    if name not in CONFIGS:
        raise ConfigError(f"VIGIL_CONFIG must be one of {sorted(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
