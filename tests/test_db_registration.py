"""Session listeners are registered by the app factory (`app.db.register`), never at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

COUNT = (
    "from sqlalchemy.orm import Session; s = Session(); "
    "print(sum(len(list(getattr(s.dispatch, name))) for name in "
    "('after_commit', 'after_rollback', 'after_soft_rollback', 'after_transaction_end')))"
)


def _listeners(setup: str) -> int:
    code = f"{setup}; {COUNT}"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def test_importing_the_services_registers_no_session_listener() -> None:
    assert _listeners("import app.services.outbox, app.services.reports, app.scheduling.sweeps, app.db") == 0


def test_the_app_factory_registers_them_once() -> None:
    factory = (
        "from app import create_app; from config import TestingConfig; "
        "[create_app(TestingConfig, SQLALCHEMY_DATABASE_URI='sqlite://') for _ in range(2)]"
    )
    from app.db import SESSION_LISTENERS

    assert _listeners(factory) == len(SESSION_LISTENERS)
