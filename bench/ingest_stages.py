"""Where an ingest request's time goes: `POST /api/v1/me/reports` through Flask's test
client in this process, under cProfile, split into stages by the cumulative time of the functions
that do each one. The profiler slows Python down (roughly 1.5-2x), so the stages are shares of
a profiled request, scaled to the unprofiled mean measured just before.

Stages: authentication (`security.authenticate`: token lookup, patient row lock), history read
(`grading.history_and_retry`), grading (`reports._grade_or_fail_toward_human`: the rules
engine), instructions (`grading.instructions_for`), serialization (marshmallow load of the body
and dump of the answer), writes (the rest of `record_report`: the INSERT, alert, pages, commit),
and other (Flask, routing, webargs, logging).
"""

from __future__ import annotations

import cProfile
import pstats
import random
import time

STAGES = {
    "authentication": [("security.py", "authenticate")],
    "history read": [("grading.py", "history_and_retry")],
    "grading": [("reports.py", "_grade_or_fail_toward_human")],
    "instructions": [("grading.py", "instructions_for")],
    "serialization": [("marshmallow/schema.py", "_do_load"), ("marshmallow/schema.py", "dump")],
}
RECORD = ("services/reports.py", "record_report")
REQUEST = ("flask/app.py", "wsgi_app")


def _cumulative(stats: pstats.Stats, wanted: list[tuple[str, str]]) -> float:
    total = 0.0
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if any(filename.endswith(suffix) and name == fn for suffix, fn in wanted):
            total += ct
    return total


def ingest_stages(tokens: list[str], n: int = 300) -> dict:
    """Must run inside an app context. Returns ms per request for each stage."""
    from flask import current_app

    from bench.hotspots import report_body

    rng = random.Random(16)
    client = current_app.test_client()

    def post() -> None:
        token = rng.choice(tokens)
        answer = client.post(
            "/api/v1/me/reports", json=_jsonable(report_body(rng)), headers={"Authorization": f"Bearer {token}"}
        )
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"ingest stages: {answer.status_code} {answer.get_data(as_text=True)[:200]}")

    for _ in range(30):  # warm the mappers and caches
        post()
    started = time.perf_counter()
    for _ in range(n):
        post()
    plain_ms = 1000 * (time.perf_counter() - started) / n
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        post()
    profiler.disable()
    stats = pstats.Stats(profiler)
    request = _cumulative(stats, [REQUEST])
    parts = {stage: _cumulative(stats, wanted) for stage, wanted in STAGES.items()}
    inside_record = sum(parts[k] for k in ("history read", "grading", "instructions"))
    parts["writes"] = max(0.0, _cumulative(stats, [RECORD]) - inside_record)
    parts["other"] = max(0.0, request - sum(parts.values()))
    scale = plain_ms / (1000 * request / n) if request else 0.0
    return {
        "requests": n,
        "mean_ms": plain_ms,
        "profiled_ms": 1000 * request / n,
        "stages_ms": {k: round(1000 * v / n * scale, 2) for k, v in parts.items()},
    }


def _jsonable(body: dict) -> dict:
    return body  # report_body already gives ISO strings
