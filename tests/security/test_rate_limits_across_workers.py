"""Rate limits hold across several gunicorn workers when a shared store (Redis) is configured.
The default memory:// store counts per worker; the README says so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.processes import HARNESS_SECRET_KEY, free_port, http_json, stop_group, wait_until

REPO = Path(__file__).resolve().parents[2]
LIMIT = 6


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    wait_until(lambda: _pings(client), timeout=15, what="redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    stop_group(server)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not listening yet
        return False


@pytest.mark.slow
def test_login_limit_holds_across_two_gunicorn_workers(database_url, redis_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VIGIL_CONFIG": "development",
        "SMS_BACKEND": "log",
        "SECRET_KEY": HARNESS_SECRET_KEY,
        "RATELIMIT_STORAGE_URI": redis_url,
        "AUTH_RATE_LIMIT": f"{LIMIT}/minute",
    }
    env.pop("TEST_DATABASE_URL", None)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    log = (tmp_path / "web.log").open("w")
    web = subprocess.Popen(
        [
            gunicorn,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "-",
            "--access-logformat",
            "served-by %(p)s %(s)s",
            "wsgi:app",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        wait_until(lambda: _up(base), timeout=60, interval=0.2, what="gunicorn")
        # Each worker imports the app on its own after forking; on a slow machine the second one may
        # still be loading when the first answers, so wait until both have served a request.
        wait_until(
            lambda: _both_workers_answer(base, tmp_path / "web.log"),
            timeout=90,
            interval=0.2,
            what="both gunicorn workers",
        )
        with ThreadPoolExecutor(4) as pool:  # concurrent, so both workers take requests
            statuses = list(
                pool.map(
                    lambda _: http_json(
                        "POST",
                        f"{base}/auth/login",
                        {"email": "nobody@example.org", "password": "x"},
                        headers={"Connection": "close"},
                    )[0],
                    range(5 * LIMIT),
                )
            )
    finally:
        stop_group(web)
        log.close()
    served_by = _workers_that_answered(tmp_path / "web.log", ("401", "429"))
    assert len(served_by) == 2, "both workers must have answered logins for this test to mean anything"
    assert statuses.count(401) == LIMIT  # one shared count, not one per worker
    assert statuses.count(429) == 4 * LIMIT


def _up(base: str) -> bool:
    try:
        return http_json("GET", f"{base}/openapi.json")[0] == 200
    except OSError:
        return False


def _both_workers_answer(base: str, log: Path) -> bool:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: _up(base), range(8)))
    return len(_workers_that_answered(log, ("200",))) == 2


def _workers_that_answered(log: Path, statuses: tuple[str, ...]) -> set[str]:
    return {
        line.split()[1]
        for line in log.read_text().splitlines()
        if line.startswith("served-by") and line.split()[2] in statuses
    }
