"""Clients generated from the served description, driving a live server.

TypeScript: openapi-typescript writes the types, `tsc --strict` compiles tests/contract/ts/ with
openapi-fetch, and node runs the patient's path. Python: openapi-python-client writes a package
that the test imports and drives the same path with. Both read `alert.id` and `assessment.level`
as typed fields, not as untyped extras.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import typing
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.clock_process import REPO

HERE = Path(__file__).resolve().parent
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "noUncheckedIndexedAccess": True,
        "target": "ES2022",
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "lib": ["ES2022", "DOM"],
        "outDir": "out",
        "skipLibCheck": False,
    }
}


def _run(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture
def ts_project(tools: Path, served_spec: Path) -> Iterator[Path]:
    """A folder inside the tools' folder (so node finds openapi-fetch and its types) holding the
    generated `api.d.ts`, the sources and a strict tsconfig."""
    work = Path(tempfile.mkdtemp(prefix="ts-", dir=tools))
    try:
        # Fields with a default (reported_by) may be left out of a request: without this flag
        # openapi-typescript 7 would make them required in request bodies too (README).
        done = _run(
            [
                str(tools / "node_modules/.bin/openapi-typescript"),
                str(served_spec),
                "-o",
                "api.d.ts",
                "--default-non-nullable",
                "false",
            ],
            work,
        )
        assert done.returncode == 0, done.stderr
        (work / "package.json").write_text('{"type": "module", "private": true}')
        for source in (HERE / "ts").glob("*.mts"):
            shutil.copy(source, work)
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _tsc(tools: Path, work: Path, files: list[str]) -> subprocess.CompletedProcess:
    (work / "tsconfig.json").write_text(json.dumps({**TSCONFIG, "files": files}))
    return _run([str(tools / "node_modules/.bin/tsc"), "-p", "tsconfig.json"], work)


def test_typescript_client_walks_the_patient_path(tools, ts_project, live_server, enrollment_code):
    compiled = _tsc(tools, ts_project, ["patient_path.mts"])
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    ran = _run(
        ["node", "out/patient_path.mjs"],
        ts_project,
        env={"PATH": os.environ["PATH"], "VIGIL_URL": live_server.url, "VIGIL_CODE": enrollment_code},
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["level"] == "urgent" and isinstance(seen["alertId"], int)
    assert seen["historyAlertId"] == seen["alertId"] and seen["temperature"] == 38.9


def test_typescript_types_make_the_alert_nullable(tools, ts_project):
    refused = _tsc(tools, ts_project, ["unchecked_alert.mts"])
    assert refused.returncode != 0
    assert "TS18047" in refused.stdout and "'answer.alert' is possibly 'null'" in refused.stdout, refused.stdout


@pytest.fixture(scope="module")
def vigil_client(tools: Path, app, tmp_path_factory) -> Iterator[object]:
    """The package openapi-python-client writes from the description, imported."""
    spec = tmp_path_factory.mktemp("spec") / "openapi.json"
    spec.write_text(json.dumps(app.test_client().get("/api/v1/openapi.json").json))
    out = tmp_path_factory.mktemp("pyclient")
    done = _run(
        [
            str(tools / "pyvenv/bin/openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(out / "vigil_client"),
            "--meta",
            "none",
            "--config",
            str(HERE / "openapi-python-client.yaml"),
        ],
        REPO,
    )
    assert done.returncode == 0 and (out / "vigil_client" / "client.py").exists(), done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout  # every schema and operation generated
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("vigil_client")
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == "vigil_client" or n.startswith("vigil_client.")]:
            del sys.modules[name]


def test_python_client_types_the_alert_id_and_level(vigil_client):
    models = importlib.import_module("vigil_client.models")
    names = vars(models)  # the models name each other under TYPE_CHECKING only

    def hints(model: type) -> dict:
        return typing.get_type_hints(model, localns=names)

    assert hints(models.ReportResult)["alert"] == models.AlertRef | None
    assert hints(models.AlertRef)["id"] is int
    level = hints(models.Assessment)["level"]
    assert {m.value for m in level} == {"routine", "same_day", "urgent", "emergency"}
    # The id is a field of the model; no additional_properties left to hide it in.
    alert = models.AlertRef.from_dict({"id": 7, "status": "open", "level": "urgent"})
    assert alert.id == 7 and not hasattr(alert, "additional_properties")


def test_python_client_walks_the_patient_path(vigil_client, live_server, enrollment_code):
    from vigil_client import AuthenticatedClient, Client
    from vigil_client.api.auth import post_auth_enroll
    from vigil_client.api.reports import get_me_reports, post_me_reports
    from vigil_client.models import AlertRef, Enroll, EnrollResult, Report, ReportResult, Vitals

    enrolled = post_auth_enroll.sync(client=Client(base_url=live_server.url), body=Enroll(code=enrollment_code))
    assert isinstance(enrolled, EnrollResult), enrolled
    phone = AuthenticatedClient(base_url=live_server.url, token=enrolled.access_token)
    body = Report(client_id=f"py-{uuid.uuid4()}", recorded_at=datetime.now(UTC), vitals=Vitals(temperature_c=38.9))
    sent = post_me_reports.sync_detailed(client=phone, body=body)
    assert sent.status_code == 201, sent.content
    answer = sent.parsed
    assert isinstance(answer, ReportResult) and isinstance(answer.alert, AlertRef)
    assert isinstance(answer.alert.id, int) and answer.assessment.level.value == "urgent"
    history = get_me_reports.sync(client=phone, limit=5)
    assert history[0].alert_id == answer.alert.id and history[0].vitals.temperature_c == 38.9
