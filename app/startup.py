"""Start-up rules: a deployment fails closed, never open.

- Whenever the app would talk to the world (Twilio configured, or a database other than SQLite)
  it needs a SECRET_KEY of its own, whatever the config name: with the development key anyone
  can forge check-in links and sessions.
- Production needs a real SMS backend (else pages are "sent" to the log) and a PUBLIC_BASE_URL
  Twilio can reach (else every webhook signature check fails and no ACK or STOP gets through).
- The SMS sender is built here, so a typo in SMS_BACKEND stops the start with its message
  instead of failing at the first page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from app.notify import SmsSender, build_sender

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}  # noqa: S104 - names to refuse, not to bind


class StartupError(RuntimeError):
    """Configuration that must not serve: the message says what to set."""


def _set(config: Mapping[str, Any], key: str) -> bool:
    return bool(str(config.get(key) or "").strip())


def talks_to_the_world(config: Mapping[str, Any], sender: SmsSender) -> list[str]:
    """Why this process faces the world, or [] when it is a local development set-up."""
    reasons = []
    if type(sender).__name__ != "LogSmsSender" or _set(config, "TWILIO_AUTH_TOKEN"):
        reasons.append("Twilio is configured")
    if not str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite"):
        reasons.append("the database is not SQLite")
    return reasons


def check(config: Mapping[str, Any], *, production: bool, dev_secret_key: str) -> SmsSender:
    """Refuse to start (StartupError) on any rule above; returns the SMS sender to use."""
    try:
        sender = build_sender(config)
    except ValueError as exc:
        raise StartupError(f"Vigil will not start: {exc}.") from None
    reasons = talks_to_the_world(config, sender)
    key = str(config.get("SECRET_KEY") or "")
    if reasons and (not key or key == dev_secret_key):
        raise StartupError(
            f"Vigil will not start: {' and '.join(reasons)}, so SECRET_KEY must be set to a "
            "secret of this deployment's own (not the development key)."
        )
    if production:
        if type(sender).__name__ == "LogSmsSender":
            raise StartupError(
                "Vigil will not start: production needs a real SMS backend (SMS_BACKEND=twilio "
                "with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a sender); the log backend "
                "would mark pages sent that nobody receives."
            )
        host = urlsplit(str(config.get("PUBLIC_BASE_URL") or "")).hostname or ""
        if host in LOCAL_HOSTS:
            raise StartupError(
                "Vigil will not start: production needs PUBLIC_BASE_URL set to the address "
                "Twilio calls back on (not localhost); every webhook signature check fails "
                "otherwise."
            )
    return sender
