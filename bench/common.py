"""Shared plumbing for the benchmark: real processes in their own process groups, wrk, memory.

Every process the benchmark starts goes through `Processes.start` (its own session, so it and
anything it spawns end together) and is ended by `Processes.stop_all` in a `finally`, also on
SIGTERM/SIGINT. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
ARTIFACTS = REPO / "artifacts"

# The Twilio stand-in's credentials (the same shape the test suite uses; Prism checks the SID pattern).
TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH_TOKEN = "bench-auth-token-not-secret"  # noqa: S105 - only for the local stand-in
TWILIO_FROM_NUMBER = "+15017122661"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return response.status < 500
    except urllib.error.HTTPError as err:
        return err.code < 500
    except OSError:
        return False


# ---- processes -------------------------------------------------------------------------------


class Processes:
    """Every child process of one benchmark phase; `stop_all` ends each one's process group."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen] = []

    def start(self, args: Sequence[str], *, env: dict[str, str], log_path: Path, cwd: Path = REPO) -> subprocess.Popen:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as out:
            proc = subprocess.Popen(
                list(args),
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 15.0) -> None:
        stop_group(proc, timeout)
        if proc in self._procs:
            self._procs.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self._procs)):
            self.stop(proc)


def stop_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after `timeout`."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)
    else:  # the leader exited; its group may still hold children
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def install_signal_handlers() -> None:
    """Turn SIGTERM into an exception so `finally` blocks run and children are stopped."""

    def handler(signum, _frame) -> None:  # noqa: ANN001
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


BENCH_SECRET_KEY = "bench-secret-key-not-the-development-key"


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for Vigil's own processes (web, clock, flask commands)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "FLASK_RUN_FROM_CLI")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "VIGIL_CONFIG": "development",
            "VIGIL_BENCH": "1",
            "SMS_BACKEND": "log",
            "PYTHONUNBUFFERED": "1",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "PATH": f"{VENV_BIN}:{env.get('PATH', '')}",
        }
    )
    env.update(extra)
    return env


def twilio_env(base_url: str) -> dict[str, str]:
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": TWILIO_FROM_NUMBER,
        "TWILIO_API_BASE_URL": base_url,
    }


def flask_cmd(*args: str) -> list[str]:
    return [str(VENV_BIN / "flask"), "--app", "wsgi", *args]


def gunicorn_cmd(port: int, app: str = "wsgi:app", workers: int = 2) -> list[str]:
    # The Procfile's `web` line (sync workers, access log on stdout), bound to loopback.
    return [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
        app,
    ]


def start_gunicorn(
    procs: Processes,
    env: dict[str, str],
    log_path: Path,
    app: str = "wsgi:app",
    probe: str = "/api/v1/openapi.json",
    cwd: Path = REPO,
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = procs.start(gunicorn_cmd(port, app), env=env, log_path=log_path, cwd=cwd)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log_path}")
        return http_ok(base + probe) and len(children(proc.pid)) >= 2

    wait_until(up, 60, "gunicorn to answer")
    return proc, base


# ---- memory ----------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    # Every thread's children: the clock starts its sender child from a thread of its own.
    try:
        return [int(p) for task in Path(f"/proc/{pid}/task").iterdir() for p in (task / "children").read_text().split()]
    except OSError:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
        return found


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM (the process's peak resident set) in MB, or None when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def sender_peak_rss_mb(clock_pid: int) -> float | None:
    """The clock's sender child's peak RSS (SMS_CONCURRENCY > 1), or None when it has none."""
    return workers_peak_rss_mb(clock_pid)


def workers_peak_rss_mb(master_pid: int) -> float | None:
    values = [v for v in (peak_rss_mb(p) for p in children(master_pid)) if v is not None]
    return max(values) if values else None


# ---- wrk -------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0:
        raise RuntimeError("wrk is missing; install it with `apt-get install -y wrk`")
    log("wrk missing: apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, capture_output=True, text=True)
    if install.returncode != 0:  # the package lists may be stale on a fresh machine
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, capture_output=True, check=True)
    path = shutil.which("wrk")
    if not path:
        raise RuntimeError("wrk still missing after apt-get install")
    return path


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # non-2xx/3xx answers plus socket errors

    @staticmethod
    def combine(runs: list[WrkResult]) -> WrkResult:
        return WrkResult(
            requests=sum(r.requests for r in runs),
            seconds=sum(r.seconds for r in runs),
            rps=statistics.fmean(r.rps for r in runs),
            p50_ms=statistics.fmean(r.p50_ms for r in runs),
            p99_ms=statistics.fmean(r.p99_ms for r in runs),
            max_ms=max(r.max_ms for r in runs),
            errors=sum(r.errors for r in runs),
        )


def run_wrk(
    url: str, script: Path, seconds: float, script_args: Sequence[str] = (), connections: int = 16, threads: int = 2
) -> WrkResult:
    """`wrk -t2 -c16 -dNs --latency -s script url -- args`; the script's done() prints one JSON line."""
    cmd = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        *script_args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, cwd=BENCH)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout[-1500:]} {out.stderr[-1500:]}")
    data = json.loads(line.removeprefix("BENCHJSON "))
    secs = data["duration_us"] / 1e6
    return WrkResult(
        requests=data["requests"],
        seconds=secs,
        rps=data["requests"] / secs,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=data["status_errors"] + data["socket_errors"],
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
