"""Production refuses to start without its own SECRET_KEY (issue 2 point 1): run as gunicorn
would load it, in a fresh interpreter, because config.py reads the environment at import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _load_wsgi(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "VIGIL_CONFIG", "FLASK_ENV")}
    # An empty SECRET_KEY counts as unset, and load_dotenv never overrides a variable that is
    # present, so a developer's .env cannot fill the gap.
    clean.update({"DATABASE_URL": f"sqlite:///{tmp_path}/vigil.db", "SMS_BACKEND": "log", "SECRET_KEY": "", **env})
    return subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); import wsgi"],
                          cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60)


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _load_wsgi(tmp_path, VIGIL_CONFIG="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_with_a_secret_key_starts(tmp_path):
    result = _load_wsgi(tmp_path, VIGIL_CONFIG="production", SECRET_KEY="a-long-random-production-secret")
    assert result.returncode == 0, result.stderr[-2000:]


def test_development_runs_with_the_built_in_key(tmp_path):
    assert _load_wsgi(tmp_path, VIGIL_CONFIG="development").returncode == 0


def test_a_dot_env_beside_config_py_fills_in_what_the_environment_does_not_set(tmp_path):
    import shutil

    shutil.copy(REPO / "config.py", tmp_path / "config.py")
    (tmp_path / ".env").write_text("PATIENT_TOKEN_DAYS=30\nSMS_BACKEND=twilio\nDATABASE_URL=postgres://db/vigil\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PATIENT_TOKEN_DAYS", "DATABASE_URL", "SMS_BACKEND")}
    env["SMS_BACKEND"] = "log"  # set in the environment: it wins over .env
    script = ("import config; c = config.Config; "
              "print(c.PATIENT_TOKEN_DAYS, c.SMS_BACKEND, c.SQLALCHEMY_DATABASE_URI)")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["30", "log", "postgresql+psycopg://db/vigil"]
