"""Helpers for the fault tests (tests/faults): real gunicorn web workers and clock processes on
the test database, a PostgreSQL stop/start, patients with bearer tokens made straight in the
database, raw HTTP (including requests cut mid-body), and a tally of what reached the Twilio
stand-in against what the outbox holds.
"""

from __future__ import annotations

import http.client
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.models import Center, Notification, Patient
from app.services.protocols import default_protocol_for
from app.services.tokens import issue_token
from app.timesource import utcnow
from tests.support.clock_process import REPO
from tests.support.polling import wait_until
from tests.support.processes import HARNESS_SECRET_KEY
from tests.support.sockets import free_port

REPORT_PATH = "/api/v1/me/reports"
FEVER = {"temperature_c": 38.9}  # R1: fever in the CRS window opens an urgent alert
NORMAL = {"temperature_c": 36.8, "heart_rate": 78, "systolic_bp": 122, "diastolic_bp": 76, "spo2": 98}


# ---- processes -------------------------------------------------------------------------------


class WebWorkers:
    """`gunicorn -w N wsgi:app` on a free loopback port, in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebWorkers:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [gunicorn, "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60", "wsgi:app"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._answers, timeout=30, interval=0.1, what=f"gunicorn on {self.url}")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{self.log_text()[-3000:]}")
        try:
            return request("GET", self.url, "/api/v1/openapi.json", timeout=2)[0] == 200
        except OSError:
            return False

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
            self.process = None


def stop_process_group(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `timeout`."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            kill_group(proc)
    if proc.poll() is None:
        proc.wait(10)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL (kill -9) the process and its group, and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


class Postgres:
    """The throwaway cluster of scripts/with-postgres.sh (PGROOT, PGBIN), stopped and started
    with pg_ctl as the postgres user (pg_ctl refuses root)."""

    def __init__(self) -> None:
        self.root = Path(os.environ["PGROOT"])
        self.bin = Path(os.environ["PGBIN"])
        self.data = self.root / "data"
        # The server's own command line, kept by PostgreSQL: start again with the same port,
        # socket directory and settings.
        argv = shlex.split((self.data / "postmaster.opts").read_text())
        self.options = shlex.join(_without_data_dir(argv[1:]))

    @staticmethod
    def available() -> bool:
        return bool(os.environ.get("PGROOT") and os.environ.get("PGBIN"))

    def _pg_ctl(self, *args: str, check: bool = True) -> int:
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, timeout=60).returncode

    def running(self) -> bool:
        return self._pg_ctl("status", check=False) == 0

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "-t", "30", "stop")

    def start(self) -> None:
        self._pg_ctl("-w", "-t", "30", "-l", str(self.root / "server.log"), "-o", self.options, "start")


def _without_data_dir(args: list[str]) -> list[str]:
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "-D":
            skip = True
        else:
            out.append(arg)
    return out


def process_env(database_url: str, twilio_config: dict[str, str], **extra: str) -> dict[str, str]:
    """Environment for a web or clock process: the test database, the Twilio stand-in, and
    development settings, with a key of the harness's own (PostgreSQL and Twilio face the world:
    the development key is refused there)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VIGIL_CONFIG": "development",
        "CLOCK_TICK_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        "SECRET_KEY": HARNESS_SECRET_KEY,
    }
    env.pop("TEST_DATABASE_URL", None)
    env.update(twilio_config)
    env.update(extra)
    return env


# ---- people ----------------------------------------------------------------------------------


@dataclass
class Phone:
    """A patient's phone as the fault tests use it: the patient id and a bearer token."""

    patient_id: int
    token: str
    phone: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_phones(center: Center, count: int, first_number: int = 0) -> list[Phone]:
    """`count` enrolled patients (infused two days ago, so a fever is urgent) with live tokens,
    written straight to the database: enrolling through the API is rate-limited per address."""
    protocol = default_protocol_for("yescarta", center.jurisdiction)
    infused = utcnow() - timedelta(days=2)
    patients = [
        Patient(
            center_id=center.id,
            mrn=f"F{first_number + i:06d}",
            name=f"Pat Fault{i}",
            phone=_phone(first_number + i),
            timezone=center.timezone,
            product="yescarta",
            infused_at=infused,
            protocol_id=protocol.id,
            sms_opted_out=False,
        )
        for i in range(count)
    ]
    db.session.add_all(patients)
    db.session.flush()
    tokens = [issue_token(patient_id=p.id, lifetime=timedelta(days=1))[0] for p in patients]
    db.session.commit()
    return [Phone(p.id, t, p.phone) for p, t in zip(patients, tokens, strict=True)]


def _phone(n: int) -> str:
    # +1 617 40x xxxx: unique up to 100,000 patients, valid E.164, apart from the staff personas' numbers.
    return f"+161740{n // 10000 % 10}{n % 10000:04d}"


def report_body(vitals: dict | None = None, client_id: str | None = None) -> dict:
    return {
        "client_id": client_id or str(uuid.uuid4()),
        "recorded_at": utcnow().isoformat(),
        "vitals": dict(vitals or NORMAL),
    }


# ---- HTTP ------------------------------------------------------------------------------------


def request(
    method: str, base_url: str, path: str, body: dict | None = None, headers: dict | None = None, timeout: float = 30
) -> tuple[int, dict, dict]:
    """One request on a fresh connection; returns (status, JSON body, headers). Network errors
    (refused, reset) raise OSError or http.client.HTTPException."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {"raw": raw[:200].decode(errors="replace")}
        return response.status, data, dict(response.getheaders())
    finally:
        connection.close()


def cut_mid_body(base_url: str, path: str, body: dict, headers: dict[str, str]) -> None:
    """Send the headers and half the body, then close: the server never gets the whole request."""
    payload = json.dumps(body).encode()
    _raw_send(base_url, path, payload, headers, payload[: len(payload) // 2])


def cut_before_answer(base_url: str, path: str, body: dict, headers: dict[str, str]) -> None:
    """Send the whole request, then close without reading: the server may store it, the client
    never learns (a phone losing signal), so it must retry with the same client_id."""
    payload = json.dumps(body).encode()
    _raw_send(base_url, path, payload, headers, payload)


def _raw_send(base_url: str, path: str, payload: bytes, headers: dict[str, str], sent: bytes) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + sent)
        sock.shutdown(socket.SHUT_WR)


# ---- what reached the Twilio stand-in --------------------------------------------------------


@dataclass
class Tally:
    """The outbox's messages against what the stand-in accepted, matched on (To, Body)."""

    messages: int
    pages: int
    delivered: int
    lost: int
    duplicates: int
    lost_keys: list = field(default_factory=list)
    duplicate_keys: list = field(default_factory=list)


CALL = "<call>"


def tally(accepted: Iterable, notifications: Iterable[Notification] | None = None) -> Tally:
    """`accepted`: the stand-in's accepted Messages-create (and Calls-create) requests. Every outbox row that is
    not cancelled must have reached it once: fewer is a lost message, more is a duplicate."""
    rows = list(notifications if notifications is not None else db.session.scalars(select(Notification)))
    # A call carries TwiML, not a Body: a call row is matched by its number and by being a call.
    expected = Counter((n.to_phone, CALL if n.channel == "call" else n.body) for n in rows if n.state != "cancelled")
    got = Counter((r.form.get("To"), CALL if r.is_call_create else r.form.get("Body")) for r in accepted)
    lost = {k: expected[k] - got[k] for k in expected if expected[k] > got[k]}
    dups = {k: got[k] - expected[k] for k in got if got[k] > expected[k]}
    return Tally(
        messages=sum(expected.values()),
        pages=sum(1 for n in rows if n.purpose == "page"),
        delivered=sum(min(expected[k], got[k]) for k in expected),
        lost=sum(lost.values()),
        duplicates=sum(dups.values()),
        lost_keys=list(lost)[:5],
        duplicate_keys=list(dups)[:5],
    )
