"""The README's run command on a fresh database: web and clock start, the API description is
served and the demo logins and enrollment codes work."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from app.demo import PHONE_PATH_END, PHONE_PATH_START
from tests.support.processes import free_port, http_json, stop_group, wait_until

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_make_run_serves_the_api_with_demo_logins(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "VIGIL_CONFIG": "development",
        "SMS_BACKEND": "log",
    }
    env.pop("TEST_DATABASE_URL", None)
    log = (tmp_path / "run.log").open("w")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:

        def spec_served():
            try:
                return http_json("GET", f"{base}/openapi.json")
            except OSError:
                return None

        status, spec = wait_until(spec_served, timeout=120, interval=0.2, what="the web process")
        assert status == 200 and "/api/v1/patients" in spec["paths"]
        for email in ("admin@vigil.demo", "clinician@vigil.demo", "nurse@vigil.demo"):
            status, body = http_json("POST", f"{base}/auth/login", {"email": email, "password": "vigil-demo-password"})
            assert status == 200, body
        status, body = http_json("POST", f"{base}/auth/enroll", {"code": "DEMOB-100002"})
        assert status == 200 and body["patient"]["mrn"] == "DEMO-1002"
        output = (tmp_path / "run.log").read_text()
        assert "clock.1" in output and "DEMOA-100001" in output
        # Numbered progress, the URL, the sign-ins, and a phone path that works as printed.
        for step in ("== 1/4", "== 2/4", "== 3/4", "== 4/4"):
            assert step in output, step
        assert f"Vigil answers on http://localhost:{port}" in output
        assert "nurse@vigil.demo" in output and "Requirement already satisfied" not in output
        printed = output.split(PHONE_PATH_START, 1)[1].split(PHONE_PATH_END, 1)[0]
        ran = subprocess.run(["bash", "-euo", "pipefail", "-c", printed], capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0, ran.stderr
        answer = json.loads(ran.stdout)
        assert answer["assessment"]["level"] in ("urgent", "emergency") and answer["alert"]["id"], answer
    finally:
        stop_group(proc)
        log.close()
