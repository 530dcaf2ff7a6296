"""Ingest: POST /api/v1/me/reports against the bare validate-and-insert endpoint, same run, same database.

Real processes: gunicorn with the Procfile's 2 sync workers serving the real app (VIGIL_BENCH=1
adds the bare endpoint), wrk on the same machine with 2 threads and 16 connections. The two
endpoints run in the order bare, reports, reports, bare (after a warm-up of each), so a drift in
the machine's load during the run falls on both alike; the ratio is of the means.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from bench.common import BENCH, Processes, WrkResult, app_env, log, run_wrk, start_gunicorn, workers_peak_rss_mb

REPORTS = "/api/v1/me/reports"
BARE = "/api/v1/bench/bare-insert"
SCRIPT = BENCH / "wrk_reports.lua"


def run_ingest(
    database_url: str, tokens: list[str], workdir: Path, *, seconds: float = 10, warmup: float = 3, label: str = ""
) -> dict:
    tokens_file = workdir / "tokens.txt"
    tokens_file.write_text("\n".join(tokens) + "\n")
    procs = Processes()
    try:
        web, base = start_gunicorn(procs, app_env(database_url), workdir / "web-ingest.log")
        results: dict[str, list[WrkResult]] = {BARE: [], REPORTS: []}
        for path in (BARE, REPORTS):
            log(f"{label} ingest: warm-up {path} {warmup:g} s")
            run_wrk(base + path, SCRIPT, warmup, [str(tokens_file), "warm" + uuid.uuid4().hex[:6]])
        for path in (BARE, REPORTS, REPORTS, BARE):
            time.sleep(0.5)
            result = run_wrk(base + path, SCRIPT, seconds, [str(tokens_file), uuid.uuid4().hex[:10]])
            log(
                f"{label} ingest: {path} {result.rps:,.0f}/s p50 {result.p50_ms:.1f} ms p99 {result.p99_ms:.1f} ms"
                f" errors {result.errors}"
            )
            results[path].append(result)
        rss = workers_peak_rss_mb(web.pid)
    finally:
        procs.stop_all()
    bare, reports = WrkResult.combine(results[BARE]), WrkResult.combine(results[REPORTS])
    return {
        "bare": bare.__dict__,
        "reports": reports.__dict__,
        "ratio": reports.rps / bare.rps,
        "web_rss_mb": rss,
        "runs": {k: [r.__dict__ for r in v] for k, v in results.items()},
    }
