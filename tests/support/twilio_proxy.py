"""A recording, fault-injecting HTTP proxy between the app's Twilio client and Prism.

Why a proxy rather than a test-only header hook in the app's Twilio client: the app is
configured exactly as in production (only TWILIO_API_BASE_URL points here), so every test
that pages someone runs the real code path, including tests that drive the whole app
through its HTTP API or the scheduler, where no test code can reach the sender object.

    app (real twilio SDK) --http--> TwilioProxy --http--> Prism (Twilio's OpenAPI spec)

The proxy
- records every request: method, path, form fields (To, Body, From, StatusCallback...),
  the Prefer header it sent on, Prism's status and JSON answer;
- on a rule set by the test, adds `Prefer: code=NNN` so Prism answers with one of the
  error responses of the derived spec (see prism.write_derived_spec), optionally only
  for one recipient and/or only a number of times;
- on a "drop" rule, or when Prism is down, closes the connection without an answer, which
  the SDK sees as a connection error, like an unreachable Twilio;
- answers like Twilio in production: `latency` seconds before each answer (Twilio's
  API takes 100-300 ms; the bench uses 200 ms), and `throttle(rate, retry_after)` answers that
  share of message and call requests itself with Twilio's 429 (error 20429, a Retry-After
  header) without passing them on, as Twilio does not process a throttled request.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.polling import wait_until

# Not forwarded: they describe one hop, not the request. Accept-Encoding is dropped so
# Prism answers uncompressed and the recorder can read the JSON.
_HOP_HEADERS = frozenset(
    {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "host", "accept-encoding",
        "content-length",
    }
)  # fmt: skip
DROP = "drop"
HOLD = "hold"  # forward to Prism and record, then keep the answer until the rule is released


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the Twilio stand-in saw it, and what it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    form_lists: dict[str, list[str]]
    headers: dict[str, str]
    prefer: str | None
    status: int | None  # None: no answer (dropped, or Prism unreachable)
    response: Any = None  # Prism's JSON answer, when it sent JSON

    @property
    def form(self) -> dict[str, str]:
        """Form fields, first value of each (Twilio's fields are single-valued)."""
        return {key: values[0] for key, values in self.form_lists.items()}

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def is_message_create(self) -> bool:
        return self.method == "POST" and self.path.endswith("/Messages.json")

    @property
    def is_call_create(self) -> bool:
        return self.method == "POST" and self.path.endswith("/Calls.json")


@dataclass
class Rule:
    """What to do with matching requests: answer with `action` (an HTTP status that
    Prism must produce via `Prefer: code=...`) or DROP the connection."""

    action: int | str
    to: str | None = None
    times: int | None = None  # None: for as long as the rule is installed
    used: int = field(default=0)
    path_suffix: str | None = None  # e.g. "/Calls.json": only requests to that resource
    released: threading.Event = field(default_factory=threading.Event)

    def matches(self, form: dict[str, list[str]], path: str = "") -> bool:
        if self.times is not None and self.used >= self.times:
            return False
        if self.path_suffix is not None and not path.endswith(self.path_suffix):
            return False
        return self.to is None or form.get("To", [None])[0] == self.to


class TwilioProxy:
    """Start with `.start()`; point TWILIO_API_BASE_URL at `.url`."""

    def __init__(self, upstream_url: str):
        upstream = urlsplit(upstream_url)
        self.upstream = (upstream.hostname or "127.0.0.1", upstream.port or 80)
        self._lock = threading.Lock()
        self._records: list[RecordedRequest] = []
        self._rules: list[Rule] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.latency = 0.0  # seconds before each answer, as Twilio's API takes
        self._throttle_rate = 0.0
        self._throttle_debt = 0.0
        self.retry_after = 1

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("proxy not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TwilioProxy:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- what the test controls -------------------------------------------------------

    def respond_with(self, status: int, *, to: str | None = None, times: int | None = None) -> Rule:
        """Have Prism answer matching requests with `status` (400, 429, 500, 503 in the
        derived spec). Rules are tried in the order they were added."""
        return self._add(Rule(status, to=to, times=times))

    def drop_connections(self, *, to: str | None = None, times: int | None = None) -> Rule:
        """Close matching connections without an answer (a network failure)."""
        return self._add(Rule(DROP, to=to, times=times))

    def hold_answers(self, *, to: str | None = None, path_suffix: str | None = None, times: int | None = None) -> Rule:
        """Let matching requests reach Prism (so Twilio has acted on them), but keep the answer
        until `rule.released.set()`: the client is caught mid-request, where a kill -9 leaves
        it not knowing that its call was placed."""
        return self._add(Rule(HOLD, to=to, times=times, path_suffix=path_suffix))

    @contextmanager
    def responding(self, status: int | str, *, to: str | None = None, times: int | None = None) -> Iterator[Rule]:
        """`with proxy.responding(500): ...` - the rule holds only inside the block."""
        rule = self._add(Rule(status, to=to, times=times))
        try:
            yield rule
        finally:
            self.remove(rule)

    def throttle(self, rate: float, *, retry_after: int = 1) -> None:
        """Answer this share (0..1) of message and call requests with Twilio's 429, evenly spread
        (every 1/rate-th request, not at random, so a test's figures repeat). 0 stops it."""
        with self._lock:
            self._throttle_rate, self._throttle_debt, self.retry_after = rate, 0.0, retry_after

    def _throttled(self, path: str) -> bool:
        if not (path.endswith("/Messages.json") or path.endswith("/Calls.json")):
            return False
        with self._lock:
            self._throttle_debt += self._throttle_rate
            if self._throttle_debt >= 1.0:
                self._throttle_debt -= 1.0
                return True
        return False

    def remove(self, rule: Rule) -> None:
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def reset(self) -> None:
        """Forget rules and recorded requests (between tests)."""
        with self._lock:
            for rule in self._rules:
                rule.released.set()  # no handler thread stays parked after its test
            self._rules.clear()
            self._records.clear()
            self._throttle_rate = self._throttle_debt = 0.0
            self.latency = 0.0

    # --- what the test reads ----------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def messages(self, *, accepted: bool | None = None, to: str | None = None) -> list[RecordedRequest]:
        """Messages-create requests, optionally only those Prism accepted (2xx) or not,
        and/or only those to one number."""
        return [
            r
            for r in self.requests
            if r.is_message_create
            and (accepted is None or r.accepted == accepted)
            and (to is None or r.form.get("To") == to)
        ]

    def calls(self, *, accepted: bool | None = None, to: str | None = None) -> list[RecordedRequest]:
        """Calls-create requests (voice calls of pages), filtered like `messages`."""
        return [
            r
            for r in self.requests
            if r.is_call_create
            and (accepted is None or r.accepted == accepted)
            and (to is None or r.form.get("To") == to)
        ]

    def wait_for(self, predicate: Callable[[RecordedRequest], bool], timeout: float = 5.0) -> RecordedRequest:
        """The first recorded request matching `predicate`, waiting up to `timeout` s
        (for sends that happen on another thread or process)."""

        def found() -> RecordedRequest | None:
            return next((r for r in self.requests if predicate(r)), None)

        return wait_until(found, timeout=timeout, what="a matching Twilio request")

    # --- used by the handler ----------------------------------------------------------

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def _claim_rule(self, form: dict[str, list[str]], path: str = "") -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(form, path):
                    rule.used += 1
                    return rule
        return None

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self._records.append(record)


def _handler_for(proxy: TwilioProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        owner = proxy

    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    owner: TwilioProxy

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._forward()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the per-request stderr line; the recorder keeps what matters."""

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        form = _parse_form(self.headers.get("Content-Type", ""), body)
        rule = self.owner._claim_rule(form, urlsplit(self.path).path)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
        if rule is not None and rule.action == HOLD:
            answer = self._upstream(body, headers)
            self._record(form, headers, answer)
            rule.released.wait(timeout=300)
            if answer is not None:
                try:
                    self._reply(*answer)
                except OSError:
                    pass  # the client died meanwhile: that was the point
            return
        if self.command == "POST" and self.owner._throttled(urlsplit(self.path).path):
            answer = (
                429,
                [("Content-Type", "application/json"), ("Retry-After", str(self.owner.retry_after))],
                json.dumps(
                    {
                        "code": 20429,
                        "message": "Too Many Requests",
                        "status": 429,
                        "more_info": "https://www.twilio.com/docs/errors/20429",
                    }
                ).encode(),
            )
            self._record(form, headers, answer)
            self._reply(*answer)
            return
        if rule is not None and rule.action != DROP:
            headers["Prefer"] = f"code={rule.action}"
        answer = None if rule is not None and rule.action == DROP else self._upstream(body, headers)
        self._record(form, headers, answer)
        if answer is None:
            self.close_connection = True  # no bytes at all: the client sees a dead peer
            return
        if self.owner.latency > 0:
            time.sleep(self.owner.latency)  # the stand-in's own answer time, on its own thread
        self._reply(*answer)

    def _upstream(self, body: bytes, headers: dict[str, str]) -> tuple[int, list, bytes] | None:
        connection = http.client.HTTPConnection(*self.owner.upstream, timeout=30)
        try:
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        except (OSError, http.client.HTTPException):
            return None  # Prism is down: pass the outage on as one
        finally:
            connection.close()

    def _reply(self, status: int, headers: list, body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_HEADERS:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self, form: dict, headers: dict[str, str], answer: tuple | None) -> None:
        url = urlsplit(self.path)
        self.owner._record(
            RecordedRequest(
                method=self.command,
                path=url.path,
                query=parse_qs(url.query),
                form_lists=form,
                headers=headers,
                prefer=headers.get("Prefer"),
                status=None if answer is None else answer[0],
                response=None if answer is None else _json_or_none(answer[2]),
            )
        )


def _parse_form(content_type: str, body: bytes) -> dict[str, list[str]]:
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return {}
    return parse_qs(body.decode("utf-8"), keep_blank_values=True)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
