"""Run Stoplight Prism as a local stand-in for Twilio's REST API.

Prism serves Twilio's own OpenAPI description (tests/support/twilio/, vendored unmodified): it
validates every request the real SDK sends against Twilio's contract and answers with
Twilio's documented examples.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.sockets import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PRISM_BIN = REPO_ROOT / ".cache" / "prism" / "node_modules" / ".bin" / "prism"
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-prism.sh"
TWILIO_SPEC = Path(__file__).resolve().parent / "twilio" / "twilio_api_v2010.json"
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
CALLS_PATH = "/2010-04-01/Accounts/{AccountSid}/Calls.json"

# HTTP status -> (Twilio error code, message) added to Messages create, so a test can ask
# Prism for them with `Prefer: code=NNN`. The stock spec defines only 201 there.
TWILIO_ERRORS: dict[int, tuple[int, str]] = {
    400: (21211, "Invalid 'To' Phone Number"),
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}

READY_TIMEOUT = 30.0


def ensure_prism() -> Path:
    """Install Prism with scripts/install-prism.sh unless it is already there."""
    if not PRISM_BIN.exists():
        subprocess.run(["bash", str(INSTALL_SCRIPT)], check=True, capture_output=True)
    return PRISM_BIN


def write_derived_spec(src: Path | str, dst: Path | str, errors: dict[int, tuple[int, str]] | None = None) -> Path:
    """Copy Twilio's spec to `dst`, adding error responses (in Twilio's legacy error shape,
    which the SDK raises as TwilioRestException) to Messages create and Calls create.

    Side effect to know: once a 400 is defined, Prism answers every *invalid* request to
    this operation with that 400 example (21211) instead of its own 422.
    """
    spec = json.loads(Path(src).read_text(encoding="utf-8"))
    for path in (MESSAGES_PATH, CALLS_PATH):  # texts and calls of pages
        operation = spec["paths"][path]["post"]
        for status, (code, message) in (errors or TWILIO_ERRORS).items():
            operation["responses"][str(status)] = _error_response(status, code, message)
    _declare_repeated_form_fields(spec["paths"][CALLS_PATH]["post"])
    Path(dst).write_text(json.dumps(spec), encoding="utf-8")
    return Path(dst)


def _declare_repeated_form_fields(operation: dict) -> None:
    """Say in the derived spec how Twilio takes an array in a form body: the field repeated
    (`StatusCallbackEvent=initiated&StatusCallbackEvent=ringing`, OpenAPI's form style,
    exploded). That is OpenAPI's default, but Prism reads a repeated field as one string unless
    the encoding is spelled out, and would refuse every call that asks for progress events."""
    content = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]
    arrays = [name for name, prop in content["schema"]["properties"].items() if prop.get("type") == "array"]
    content["encoding"] = {name: {"style": "form", "explode": True} for name in arrays}


def _error_response(status: int, code: int, message: str) -> dict:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    schema = {
        "type": "object",
        "properties": {
            "code": {"type": "integer"},
            "message": {"type": "string"},
            "more_info": {"type": "string"},
            "status": {"type": "integer"},
        },
    }
    return {
        "description": message,
        "content": {"application/json": {"schema": schema, "example": body}},
    }


class PrismServer:
    """A `prism mock` subprocess on 127.0.0.1. `stop()` then `start()` reuses the same
    port, so a test can take "Twilio" down and bring it back at the same address."""

    def __init__(
        self,
        spec_path: Path | str,
        port: int | None = None,
        log_path: Path | None = None,
    ):
        self.spec_path = Path(spec_path)
        self.port = port or free_port()
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="prism-")) / "prism.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> PrismServer:
        if self.is_running:
            return self
        command = [str(ensure_prism()), "mock", "-h", "127.0.0.1", "-p", str(self.port)]
        with open(self.log_path, "ab") as log:
            # Own process group: stop() can end Prism and anything it spawned, nothing else.
            self.process = subprocess.Popen(
                [*command, str(self.spec_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._wait_until_listening()
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log_text(self) -> str:
        """Prism's own log: one line per request with its validation outcome."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"prism exited during start-up:\n{self.log_text()[-2000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"prism not listening on {self.url} after {READY_TIMEOUT} s")
            time.sleep(0.05)

    def _answers(self) -> bool:
        # Any HTTP answer counts: GET / is a 404 NO_PATH_MATCHED once Prism is serving.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
            return True
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()


def start_prism(spec_path: Path | str, port: int | None = None, log_path: Path | None = None) -> PrismServer:
    """Start Prism on `port` (a free one by default) and return once it answers HTTP."""
    return PrismServer(spec_path, port=port, log_path=log_path).start()
