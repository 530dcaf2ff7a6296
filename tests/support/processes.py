"""Helpers for tests that run Vigil's real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request

from tests.support.polling import wait_until
from tests.support.sockets import free_port

# Processes the tests start talk to PostgreSQL or the Twilio stand-in, so they need a key of their
# own: the development key is refused there (app/startup.py).
HARNESS_SECRET_KEY = "test-harness-secret-key-not-the-development-key"  # noqa: S105 - tests only

__all__ = ["free_port", "http_json", "stop_group", "wait_until"]


def http_json(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def stop_group(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM the process group (honcho and its children), then SIGKILL what is left."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)
