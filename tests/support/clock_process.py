"""Start real `flask --app wsgi scheduler run` processes against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.processes import HARNESS_SECRET_KEY

REPO = Path(__file__).resolve().parents[2]


def clock_env(database_url: str, twilio_config: dict | None = None, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VIGIL_CONFIG": "development",
        "CLOCK_TICK_SECONDS": "1",
        "SECRET_KEY": HARNESS_SECRET_KEY,
    }
    env.pop("TEST_DATABASE_URL", None)
    env.update(twilio_config or {"SMS_BACKEND": "log"})
    env.update(extra)
    return env


def start_clock(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("ab")
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen(
        [flask, "--app", "wsgi", "scheduler", "run"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
