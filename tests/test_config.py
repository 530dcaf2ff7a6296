"""Production refuses to start without its own SECRET_KEY: run as gunicorn
would load it, in a fresh interpreter, because config.py reads the environment at import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load_wsgi(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "VIGIL_CONFIG", "FLASK_ENV")}
    # An empty SECRET_KEY counts as unset, and load_dotenv never overrides a variable that is
    # present, so a developer's .env cannot fill the gap.
    clean.update({"DATABASE_URL": f"sqlite:///{tmp_path}/vigil.db", "SMS_BACKEND": "log", "SECRET_KEY": "", **env})
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); import wsgi"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _load_wsgi(tmp_path, VIGIL_CONFIG="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


TWILIO = {
    "SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM_NUMBER": "+15017122661",
}


def test_production_with_a_secret_key_starts(tmp_path):
    # Production also needs a real SMS backend and a public address.
    result = _load_wsgi(
        tmp_path,
        VIGIL_CONFIG="production",
        SECRET_KEY="a-long-random-production-secret",
        PUBLIC_BASE_URL="https://vigil.example.org",
        **TWILIO,
    )
    assert result.returncode == 0, result.stderr[-2000:]


# ---- a deployment fails closed, never open -------------------------------------------


def test_twilio_without_a_key_of_its_own_refuses_to_start_whatever_the_config_name(tmp_path):
    for name in ("development", "testing"):
        result = _load_wsgi(tmp_path, VIGIL_CONFIG=name, **TWILIO)
        if name == "testing":  # the testing config makes a random key per process: it starts
            assert result.returncode == 0, result.stderr[-2000:]
            continue
        assert result.returncode != 0
        assert "Twilio is configured, so SECRET_KEY must be set" in result.stderr
        dev_key = _load_wsgi(tmp_path, VIGIL_CONFIG=name, SECRET_KEY="dev-only-not-secret", **TWILIO)
        assert dev_key.returncode != 0 and "SECRET_KEY must be set" in dev_key.stderr
    assert _load_wsgi(tmp_path, VIGIL_CONFIG="development", SECRET_KEY="own-secret", **TWILIO).returncode == 0


def test_a_database_other_than_sqlite_needs_a_key_of_its_own(tmp_path):
    # Creating the app does not connect, so an unreachable PostgreSQL address is enough here.
    result = _load_wsgi(tmp_path, VIGIL_CONFIG="development", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode != 0
    assert "the database is not SQLite, so SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_log_sms_backend(tmp_path):
    result = _load_wsgi(
        tmp_path, VIGIL_CONFIG="production", SECRET_KEY="own-secret", PUBLIC_BASE_URL="https://vigil.example.org"
    )
    assert result.returncode != 0
    assert "production needs a real SMS backend" in result.stderr


@pytest.mark.parametrize("url", ["", "http://localhost:5000", "http://127.0.0.1:8000"])
def test_production_refuses_a_local_public_base_url(tmp_path, url):
    result = _load_wsgi(tmp_path, VIGIL_CONFIG="production", SECRET_KEY="own-secret", PUBLIC_BASE_URL=url, **TWILIO)
    assert result.returncode != 0
    assert "production needs PUBLIC_BASE_URL" in result.stderr


def test_a_typo_in_sms_backend_stops_the_start_with_a_clear_message(tmp_path):
    result = _load_wsgi(tmp_path, VIGIL_CONFIG="development", SMS_BACKEND="twillio")
    assert result.returncode != 0
    assert "SMS_BACKEND must be one of log, twilio, not 'twillio'" in result.stderr


def test_make_runs_development_set_up_still_starts(tmp_path):
    """`make run`: development, SQLite, the log backend, no key: starts as before."""
    assert _load_wsgi(tmp_path, VIGIL_CONFIG="development", SMS_BACKEND="log").returncode == 0


def test_development_runs_with_the_built_in_key(tmp_path):
    assert _load_wsgi(tmp_path, VIGIL_CONFIG="development").returncode == 0


def test_a_dot_env_beside_config_py_fills_in_what_the_environment_does_not_set(tmp_path):
    import shutil

    shutil.copy(REPO / "config.py", tmp_path / "config.py")
    (tmp_path / ".env").write_text("PATIENT_TOKEN_DAYS=30\nSMS_BACKEND=twilio\nDATABASE_URL=postgres://db/vigil\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PATIENT_TOKEN_DAYS", "DATABASE_URL", "SMS_BACKEND")}
    env["SMS_BACKEND"] = "log"  # set in the environment: it wins over .env
    script = "import config; c = config.Config; print(c.PATIENT_TOKEN_DAYS, c.SMS_BACKEND, c.SQLALCHEMY_DATABASE_URI)"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["30", "log", "postgresql+psycopg://db/vigil"]


def _flask(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "VIGIL_CONFIG", "FLASK_ENV", "PORT")}
    clean.update({"DATABASE_URL": f"sqlite:///{tmp_path}/vigil.db", "SMS_BACKEND": "log", "SECRET_KEY": "", **env})
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.run(
        [flask, "--app", "wsgi", *args], cwd=REPO, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_without_a_secret_key_is_one_line_not_a_traceback(tmp_path):
    """A CLI mistake gives a one-line message."""
    result = _flask(tmp_path, "scheduler", "tick", VIGIL_CONFIG="production")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("vigil: SECRET_KEY must be set in production")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_an_unknown_config_name_is_one_line(tmp_path):
    result = _flask(tmp_path, "demo", VIGIL_CONFIG="staging")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "vigil: VIGIL_CONFIG must be one of ['development', 'production', 'testing'], not 'staging'"
    ]


@pytest.mark.parametrize("when", ["tomorrow", "2026-11-22T14:05:00"])
def test_scheduler_tick_with_a_bad_time_is_one_line(tmp_path, when):
    result = _flask(tmp_path, "scheduler", "tick", "--now", when, VIGIL_CONFIG="development")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --now") and "2026-11-22T14:05:00Z" in lines[0], lines


def _public_base_url(tmp_path: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "PUBLIC_BASE_URL")}
    clean.update(env)
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); import config; print(config.Config.PUBLIC_BASE_URL)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_port_sets_the_default_public_base_url(tmp_path):
    assert _public_base_url(tmp_path) == "http://localhost:5000"
    assert _public_base_url(tmp_path, PORT="8123") == "http://localhost:8123"
    assert (
        _public_base_url(tmp_path, PORT="8123", PUBLIC_BASE_URL="https://vigil.hospital.org")
        == "https://vigil.hospital.org"
    )
