"""Fault tests: real gunicorn web workers and clock processes, the real test
database (PostgreSQL in the PostgreSQL pass), and the Twilio stand-in.

Each test reports its figures (lost, duplicated, 5xx...) as one `FAULT name: k=v ...` line: printed
at once, kept in `artifacts/faults.txt` (the latest figures of each database), and repeated in the
terminal summary so CI's log shows them.

Tests marked `postgres_only` need what SQLite does not have (a server to restart, row locks for
two clocks and two web workers): on SQLite they are deselected, with a note, and they run in the
PostgreSQL pass of `make test`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from app import timesource
from tests.support.clock_process import REPO, start_clock
from tests.support.faults import Postgres, WebWorkers, kill_group, process_env, stop_process_group

ARTIFACT = REPO / "artifacts" / "faults.txt"
_FIGURES = pytest.StashKey[list[str]]()
_NOTES = pytest.StashKey[list[str]]()


def _database_kind() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or ""
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres_only: needs PostgreSQL; deselected in the SQLite pass")
    config.stash[_FIGURES] = []
    config.stash[_NOTES] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres, can_restart = _database_kind() == "postgresql", Postgres.available()

    def runnable(item: pytest.Item) -> bool:
        marker = item.get_closest_marker("postgres_only")
        return marker is None or on_postgres and (can_restart or not marker.kwargs.get("restarts_server"))

    deselected = [item for item in items if not runnable(item)]
    if not deselected:
        return
    items[:] = [item for item in items if runnable(item)]
    config.hook.pytest_deselected(items=deselected)
    if on_postgres:
        why = "PGROOT/PGBIN are unset, so the server cannot be restarted; run under scripts/with-postgres.sh"
    else:
        why = "the suite runs on SQLite; they run in the PostgreSQL pass (make test-postgres)"
    config.stash[_NOTES].append(f"faults: {len(deselected)} PostgreSQL-only test(s) deselected: {why}")


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    lines, notes = config.stash.get(_FIGURES, []), config.stash.get(_NOTES, [])
    if not lines and not notes:
        return
    terminalreporter.section(f"fault figures ({_database_kind()})")
    for line in [*notes, *lines]:
        terminalreporter.write_line(line)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[..., str]:
    """`figures("twilio-outage", pages=3, lost=0, ...)` prints, keeps and files one figure line."""

    def record(name: str, **values: object) -> str:
        line = f"FAULT {name} [{_database_kind()}]: " + " ".join(f"{k}={v}" for k, v in values.items())
        print(f"\n{line}")
        request.config.stash[_FIGURES].append(line)
        _file(line, name)
        return line

    return record


def _file(line: str, name: str) -> None:
    """Keep the newest line per (test, database) in artifacts/faults.txt."""
    ARTIFACT.parent.mkdir(exist_ok=True)
    prefix = f"FAULT {name} [{_database_kind()}]:"
    kept = [
        old
        for old in (ARTIFACT.read_text().splitlines() if ARTIFACT.exists() else [])
        if old and not old.startswith(prefix)
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ARTIFACT.write_text("\n".join([*kept, f"{line} at={stamp}"]) + "\n")


@pytest.fixture
def real_time() -> Iterator[None]:
    """Web and clock processes read the wall clock, so the test process does too."""
    timesource.set_fixed(None)
    yield


@pytest.fixture
def web_workers(database_url: str, tmp_path: Path, real_time) -> Iterator[Callable[..., WebWorkers]]:
    """Start `gunicorn -w N wsgi:app` on the test database; stopped after the test."""
    started: list[WebWorkers] = []

    def start(twilio_config: dict[str, str] | None = None, workers: int = 2, **extra: str) -> WebWorkers:
        env = process_env(database_url, twilio_config or {"SMS_BACKEND": "log"}, **extra)
        web = WebWorkers(env, tmp_path / f"web{len(started)}.log", workers=workers)
        started.append(web)
        return web.start()

    yield start
    for web in started:
        web.stop()


class Clocks:
    """Clock processes (`flask --app wsgi scheduler run`) on the test database."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        proc = start_clock(self.env, self.log_dir / f"clock{len(self.processes)}.log")
        self.processes.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen) -> None:
        kill_group(proc)

    def stop_all(self) -> None:
        for proc in self.processes:
            stop_process_group(proc)

    def log_of(self, n: int) -> str:
        """The log of the n-th clock started (0-based)."""
        path = self.log_dir / f"clock{n}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("clock*.log")))


@pytest.fixture
def clocks(database_url: str, twilio_config: dict[str, str], tmp_path: Path, real_time) -> Iterator[Clocks]:
    """Clock processes sending through the Twilio stand-in; all stopped after the test."""
    found = Clocks(process_env(database_url, twilio_config), tmp_path)
    yield found
    found.stop_all()


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    """The test cluster, running again after the test even if it failed while the server was down."""
    server = Postgres()
    yield server
    if not server.running():
        server.start()


@pytest.fixture
def sending_app(app: Flask, twilio_config: dict[str, str]) -> Iterator[Flask]:
    """The test process's app sending through the Twilio stand-in (configuration only)."""
    saved = {key: app.config.get(key) for key in twilio_config}
    app.config.update(twilio_config)
    app.extensions.pop("vigil_sms_sender", None)
    yield app
    app.config.update(saved)
    app.extensions.pop("vigil_sms_sender", None)
