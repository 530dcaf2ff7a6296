"""Report to page: the time from an urgent report's HTTP answer to the Twilio stand-in receiving the page.

Real processes: gunicorn (2 workers) and the clock (`flask --app wsgi scheduler run`, default
15 s tick) sending through the real Twilio SDK to a recording proxy in front of Prism. An open
loop sends `rate` reports a second (8 client threads, so a slow answer does not slow the
schedule), every tenth urgent (38.6 °C) from a patient without an open alert, so each opens an
alert and pages that centre's on-call nurse. The proxy stamps each request on arrival; a page is
matched to its report by the alert link in its body.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import (
    Processes,
    app_env,
    flask_cmd,
    log,
    peak_rss_mb,
    percentile,
    sender_peak_rss_mb,
    start_gunicorn,
    twilio_env,
    workers_peak_rss_mb,
)
from bench.seed import Population
from tests.support.twilio_proxy import TwilioProxy

QUIET = {"temperature_c": 36.8, "heart_rate": 82, "systolic_bp": 121, "diastolic_bp": 76, "spo2": 97}
SYMPTOMS = {
    "chills": 0,
    "headache": 1,
    "dizziness": 0,
    "shortness_of_breath": 0,
    "nausea": 0,
    "diarrhea": 0,
    "abdominal_pain": 0,
    "fatigue": 1,
    "bleeding_or_bruising": 0,
}
ALERT_LINK = re.compile(r"/alerts/(\d+)\b")


class TimedProxy(TwilioProxy):
    """The test suite's recording proxy, plus the arrival time of each request.

    `_claim_rule` is the first thing the proxy's handler calls once it has read a request's
    body, before forwarding it to Prism: the moment "Twilio" received the message.
    """

    def __init__(self, upstream_url: str) -> None:
        super().__init__(upstream_url)
        self.arrivals: list[tuple[float, dict[str, list[str]]]] = []

    def _claim_rule(self, form: dict[str, list[str]], path: str = ""):  # noqa: ANN202 - the parent's hook
        self.arrivals.append((time.perf_counter(), form))
        return super()._claim_rule(form, path)


def _body(urgent: bool) -> bytes:
    vitals = {**QUIET, "temperature_c": 38.6, "heart_rate": 112} if urgent else QUIET
    return json.dumps(
        {
            "client_id": "p2p-" + uuid.uuid4().hex,
            "recorded_at": datetime.now(UTC).isoformat(),
            "vitals": vitals,
            "symptoms": SYMPTOMS,
        }
    ).encode()


def _load(base: str, plan: list[tuple[str, bool]], rate: float, threads: int = 8) -> list[tuple | None]:
    """Send plan[i] at start + i / rate; return (sent, answered, status, answer) per report."""
    url = urlsplit(base)
    results: list[tuple | None] = [None] * len(plan)
    counter = itertools.count()
    start = time.perf_counter() + 0.5

    def worker() -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
        try:
            while (i := next(counter)) < len(plan):
                token, urgent = plan[i]
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
                sent = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/me/reports", body=_body(urgent), headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    results[i] = (sent, time.perf_counter(), response.status, json.loads(data or b"{}"))
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    results[i] = (sent, time.perf_counter(), 0, {"error": repr(exc)})
                    conn.close()
                    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
        finally:
            conn.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=len(plan) / rate + 60)
    return results


def run_page_latency(
    database_url: str,
    pop: Population,
    prism_url: str,
    workdir: Path,
    *,
    rate: float = 20,
    seconds: float = 45,
    label: str = "",
) -> dict:
    proxy = TimedProxy(prism_url).start()
    procs = Processes()
    try:
        env = app_env(database_url, **twilio_env(proxy.url))
        web, base = start_gunicorn(procs, env, workdir / "web-pages.log")
        clock = procs.start(flask_cmd("scheduler", "run"), env=env, log_path=workdir / "clock-pages.log")
        time.sleep(3)  # the clock's first tick and its LISTEN connection
        if clock.poll() is not None:
            raise RuntimeError(f"clock exited; see {workdir / 'clock-pages.log'}")
        count = int(rate * seconds)
        urgent_ids = iter(pop.patient_ids[: count // 10 + 1])
        routine_ids = itertools.cycle(pop.patient_ids[count // 10 + 1 :])
        plan = []
        for i in range(count):
            pid = next(urgent_ids) if i % 10 == 5 else next(routine_ids)
            plan.append((pop.tokens[pid], i % 10 == 5, pid))
        log(f"{label} report-to-page: {count} reports at {rate:g}/s, {sum(p[1] for p in plan)} urgent")
        results = _load(base, [(t, u) for t, u, _ in plan], rate)
        expected = {}
        for (_, urgent, pid), result in zip(plan, results, strict=True):
            if urgent and result and result[2] == 201 and result[3].get("alert"):
                expected[result[3]["alert"]["id"]] = (result[1], pop.nurse_phone[pop.patient_center[pid]])
        deadline = time.monotonic() + 20
        latencies: dict[int, float] = {}
        while time.monotonic() < deadline:
            latencies = _match(proxy, expected)
            if len(latencies) == len(expected):
                break
            time.sleep(0.25)
        web_rss, clock_rss = workers_peak_rss_mb(web.pid), peak_rss_mb(clock.pid)
        sender_rss = sender_peak_rss_mb(clock.pid)
    finally:
        procs.stop_all()
        proxy.stop()
    statuses: dict[str, int] = {}
    for result in results:
        key = str(result[2]) if result else "none"
        statuses[key] = statuses.get(key, 0) + 1
    answer_ms = [1000 * (r[1] - r[0]) for r in results if r and r[2] in (200, 201)]
    values = sorted(1000 * v for v in latencies.values())
    return {
        "reports": count,
        "statuses": statuses,
        "urgent_expected": sum(p[1] for p in plan),
        "pages_expected": len(expected),
        "pages_seen": len(values),
        "p50_ms": percentile(values, 50) if values else None,
        "p99_ms": percentile(values, 99) if values else None,
        "max_ms": values[-1] if values else None,
        "answer_p50_ms": percentile(answer_ms, 50) if answer_ms else None,
        "answer_p99_ms": percentile(answer_ms, 99) if answer_ms else None,
        "web_rss_mb": web_rss,
        "clock_rss_mb": clock_rss,
        "sender_rss_mb": sender_rss,
    }


def _match(proxy: TimedProxy, expected: dict[int, tuple[float, str]]) -> dict[int, float]:
    seen: dict[int, float] = {}
    for arrived, form in list(proxy.arrivals):
        found = ALERT_LINK.search((form.get("Body") or [""])[0])
        if not found:
            continue
        alert_id = int(found.group(1))
        if alert_id in expected and alert_id not in seen and (form.get("To") or [""])[0] == expected[alert_id][1]:
            seen[alert_id] = arrived - expected[alert_id][0]
    return seen
