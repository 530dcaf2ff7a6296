"""Fixtures for the web pages: a signed-in test client, a live server and Debian's Chromium.

The browser is Debian's own: Playwright drives it through `executable_path`, so no
browser is ever downloaded. One browser per test session; each test gets a fresh context (its own
cookies) and fails if the page logged an error, which is how a Content-Security-Policy violation
(an inline script, a CDN) would show up.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, g, request_finished
from werkzeug.serving import make_server

from app.extensions import db
from app.models import CheckIn, Patient
from app.timesource import utcnow
from tests.personas import PASSWORD

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "web"  # gitignored; reviewers open the screenshots here
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).exists()), "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def unlabelled(html: str) -> list[str]:
    """Form controls (not hidden ones) without a <label for=...> naming their id."""
    controls = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    unnamed = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")(?![^>]*\bid=)[^>]*>', html)
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    return [c for c in controls if c not in labelled] + unnamed


@pytest.fixture(autouse=True)
def _per_request_g(app: Flask) -> Iterator[None]:
    """In production every request has its own `g`; here the test's app context is shared by all
    test-client requests, so flask-wtf's cached CSRF token and the actor would leak between
    requests of different clients. Drop them after each request, as a fresh context would."""

    def forget(sender, **extra) -> None:  # noqa: ANN001 - blinker's signature
        for name in ("csrf_token", "actor"):
            g.pop(name, None)

    request_finished.connect(forget, app)
    yield
    request_finished.disconnect(forget, app)


@pytest.fixture
def web_sign_in(client):
    """Sign `user` in through the sign-in form of the test client; returns the client."""

    def sign_in(user, test_client=None):
        c = test_client or client
        token = csrf_from(c.get("/sign-in").get_data(as_text=True))
        response = c.post("/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        return c

    return sign_in


@pytest.fixture
def make_check_in():
    def make(
        patient: Patient, *, due=None, state: str = "pending", asks=("vitals", "symptoms"), window=timedelta(hours=2)
    ) -> CheckIn:
        due = due or utcnow() - timedelta(minutes=10)
        row = CheckIn(
            patient_id=patient.id,
            protocol_id=patient.protocol_id,
            due_at=due,
            window_ends_at=due + window,
            phase="days-0-7",
            asks=list(asks),
            state=state,
        )
        db.session.add(row)
        db.session.commit()
        return row

    return make


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    werkzeug_log = logging.getLogger("werkzeug")
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)  # one line per request would drown the failures
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    werkzeug_log.setLevel(level)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts (separate cookie jars); each fails its test on a page error."""
    contexts, errors = [], []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(base_url=live_server, viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not _expected(m.text) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield open_page
    for context in contexts:
        context.close()  # stops the queue's polling before the database is emptied
    assert not errors, f"the pages logged errors: {errors}"


def _expected(text: str) -> bool:
    # Pages the test opens on purpose with an error status (404, 410, 422) log the status.
    return "Failed to load resource: the server responded with a status of" in text


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_RUN = """async () => {
  const only = {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}};
  const result = await axe.run(document, only);
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" "))}));
}"""


def assert_accessible(page) -> None:
    """axe-core's WCAG 2.1 A and AA checks (labels, contrast, names, ...) find nothing on the page.
    Injected through DevTools (page.evaluate), which the page's CSP does not govern."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE.read_text())
    violations = page.evaluate(AXE_RUN)
    assert violations == [], violations


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
