"""Vigil's benchmark: `make bench`, i.e. `.venv/bin/python bench/run_all.py` after `make venv prism`.

Runs every measurement against real processes and prints one table with the targets beside the
figures; the table also goes to artifacts/bench.txt and every raw figure to artifacts/bench.json.

    python bench/run_all.py                  # everything (about 10 minutes on 2 cores)
    python bench/run_all.py --only sqlite    # or postgres: one database's phase (plus the yardsticks)

How: this process runs the two yardsticks (bench/rules_bench.py and a Flask hello-world under the
same gunicorn and wrk), then one child per database: `run_all.py --phase sqlite` on temporary
SQLite files, and `scripts/with-postgres.sh run_all.py --phase postgres` on a throwaway
PostgreSQL cluster. Each child writes its figures as JSON; a failed measurement is reported in
the table as an error, not lost with the rest. Every process is stopped by process group, also on
Ctrl-C or SIGTERM. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402 - after the sys.path line on purpose
    ARTIFACTS,
    BENCH,
    BENCH_SECRET_KEY,
    PYTHON,
    REPO,
    Processes,
    app_env,
    ensure_wrk,
    flask_cmd,
    install_signal_handlers,
    log,
    run_wrk,
    start_gunicorn,
    stop_group,
    workers_peak_rss_mb,
)

TARGETS = {
    "wave_queued_s": 10,
    "wave_handed_s": 120,
    "wave_page_p99_ms": 250,
    "wave_page_max_ms": 1000,
    "burst_handed_s": 120,
    "ratio_now": 0.5,
    "ratio": 0.8,
    "page_p99_ms": 250,
    "tick_ms": 10,
    "tick_growth": 2.0,
    "burst_s": 10,
    "web_mb": 120,
    "clock_mb": 150,
    "rules_per_s": 20000,
}
PHASE_TIMEOUT = {"sqlite": 8 * 60, "postgres": 22 * 60}


# ---- helpers used by the phases ---------------------------------------------------------------


def guarded(name: str, fn: Callable[[], dict]) -> dict:
    """Run one measurement; an exception becomes {"error": ...} so the other figures survive."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - report any failure in the table and go on
        traceback.print_exc()
        log(f"{name} failed: {exc!r}")
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}


def upgrade(database_url: str) -> None:
    out = subprocess.run(
        flask_cmd("db", "upgrade"), cwd=REPO, env=app_env(database_url), capture_output=True, text=True, timeout=180
    )
    if out.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed: {out.stderr[-2000:]}")


def make_app(database_url: str):  # noqa: ANN201
    from app import create_app

    # A key of the bench's own: a database that is not SQLite refuses the development key.
    return create_app(
        SQLALCHEMY_DATABASE_URI=database_url, SMS_BACKEND="log", BENCH_ENDPOINTS=True, SECRET_KEY=BENCH_SECRET_KEY
    )


def in_app(database_url: str, fn: Callable):  # noqa: ANN201
    from app.extensions import db

    app = make_app(database_url)
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()
            db.engine.dispose()


def start_stand_in(workdir: Path):  # noqa: ANN201
    from tests.support.prism import TWILIO_SPEC, ensure_prism, start_prism

    ensure_prism()
    return start_prism(TWILIO_SPEC, log_path=workdir / "prism.log")


def measure_ingest(database_url: str, workdir: Path, label: str) -> dict:
    from bench.ingest import run_ingest
    from bench.ingest_stages import ingest_stages
    from bench.seed import seed_population, utc_now

    pop = in_app(database_url, lambda: seed_population(2000, now=utc_now(), tokens=True, history=12))
    result = run_ingest(database_url, list(pop.tokens.values()), workdir, label=label)
    result["stages"] = guarded(
        "ingest stages", lambda: in_app(database_url, lambda: ingest_stages(list(pop.tokens.values())))
    )
    return result


def measure_pages(database_url: str, prism_url: str, workdir: Path, label: str) -> dict:
    from bench.page_latency import run_page_latency
    from bench.seed import seed_population, utc_now

    pop = in_app(database_url, lambda: seed_population(1000, now=utc_now(), tokens=True, history=4))
    return run_page_latency(database_url, pop, prism_url, workdir, label=label)


# ---- the phases (children) --------------------------------------------------------------------


def phase_sqlite(workdir: Path) -> dict:
    template = workdir / "template.db"
    upgrade(f"sqlite:///{template}")
    urls = {}
    for name in ("ingest", "pages"):
        shutil.copy(template, workdir / f"{name}.db")
        urls[name] = f"sqlite:///{workdir / name}.db"
    results = {"ingest": guarded("ingest", lambda: measure_ingest(urls["ingest"], workdir, "SQLite"))}
    prism = start_stand_in(workdir)
    try:
        results["pages"] = guarded("pages", lambda: measure_pages(urls["pages"], prism.url, workdir, "SQLite"))
    finally:
        prism.stop()
    return results


def phase_postgres(workdir: Path) -> dict:
    import psycopg

    from bench.ticks import burst_clock, burst_in_process, tick_cost

    base = os.environ["DATABASE_URL"]
    upgrade(base)
    from bench.wave import wave_clock

    rows = set(filter(None, os.environ.get("BENCH_ROWS", "").split(","))) or ROWS
    names = ("ingest", "pages", "ticks", "burst_clock", "burst_compute", "wave")
    admin_dsn = base.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names:  # copies of the migrated database: one upgrade, five clean databases
            conn.execute(f"CREATE DATABASE bench_{name} TEMPLATE vigil")
    urls = {name: base.rsplit("/", 1)[0] + f"/bench_{name}" for name in names}
    results = {}
    if "ingest" in rows:
        results["ingest"] = guarded("ingest", lambda: measure_ingest(urls["ingest"], workdir, "PostgreSQL"))
    prism = start_stand_in(workdir)
    try:
        if "pages" in rows:
            results["pages"] = guarded("pages", lambda: measure_pages(urls["pages"], prism.url, workdir, "PostgreSQL"))
        if "ticks" in rows:
            results["ticks"] = guarded("ticks", lambda: in_app(urls["ticks"], tick_cost))
        if "burst" in rows:
            results["burst_compute"] = guarded("burst_compute", lambda: in_app(urls["burst_compute"], burst_in_process))
            results["burst_clock"] = guarded(
                "burst_clock",
                lambda: in_app(urls["burst_clock"], lambda: burst_clock(urls["burst_clock"], prism.url, workdir)),
            )
        if "wave" in rows:
            results["wave"] = guarded(
                "wave", lambda: in_app(urls["wave"], lambda: wave_clock(urls["wave"], prism.url, workdir))
            )
    finally:
        prism.stop()
    return results


ROWS = {"ingest", "pages", "ticks", "burst", "wave"}  # the PostgreSQL phase's measurements; --only picks one


def run_phase(name: str, out: Path) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    workdir = Path(tempfile.mkdtemp(prefix=f"vigil-bench-{name}-"))
    log(f"{name} phase: work files in {workdir}")
    try:
        results = phase_sqlite(workdir) if name == "sqlite" else phase_postgres(workdir)
        results["workdir"] = str(workdir)
        out.write_text(json.dumps(results, indent=1, default=str))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)


# ---- the yardsticks (parent) ------------------------------------------------------------------


def rules_bench() -> dict:
    out = subprocess.run(
        [PYTHON, str(BENCH / "rules_bench.py"), "3"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    found = re.search(r"([\d,]+) assessments/s of CPU", out.stdout)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"rules_bench failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    return {"per_s": int(found.group(1).replace(",", "")), "output": out.stdout.strip()}


def hello_world(workdir: Path) -> dict:
    procs = Processes()
    try:
        web, base = start_gunicorn(
            procs, app_env("sqlite://"), workdir / "hello.log", app="bench.hello_app:app", probe="/"
        )
        run_wrk(base + "/", BENCH / "wrk_hello.lua", 3)
        result = run_wrk(base + "/", BENCH / "wrk_hello.lua", 10)
        log(f"hello-world: {result.rps:,.0f}/s p99 {result.p99_ms:.1f} ms")
        return {**result.__dict__, "web_rss_mb": workers_peak_rss_mb(web.pid)}
    finally:
        procs.stop_all()


def code_version() -> str:
    out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def run_child(name: str, workdir: Path, rows: set[str] | None = None) -> dict:
    out = workdir / f"{name}.json"
    cmd = [PYTHON, str(Path(__file__).resolve()), "--phase", name, "--out", str(out)]
    env = dict(os.environ)
    if name == "postgres":
        cmd = [str(REPO / "scripts" / "with-postgres.sh"), *cmd]
        env["PG_STOCK_DURABILITY"] = "1"  # stock fsync, synchronous_commit, full_page_writes
        if rows:
            env["BENCH_ROWS"] = ",".join(sorted(rows))
    log(f"== {name} phase")
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, env=env)
    try:
        proc.wait(PHASE_TIMEOUT[name])
    except subprocess.TimeoutExpired:
        log(f"{name} phase took longer than {PHASE_TIMEOUT[name]} s; stopping it")
    finally:
        # SIGTERM first: with-postgres.sh stops its cluster on exit; the child stops its processes.
        stop_group(proc, timeout=60)
    if not out.exists():
        return {"error": f"{name} phase ended ({proc.returncode}) without figures"}
    return json.loads(out.read_text())


# ---- the table --------------------------------------------------------------------------------


def _n(value: float | None, fmt: str = "{:,.0f}") -> str:
    return "-" if value is None else fmt.format(value)


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def _both(checks: list[tuple[str, bool | None]]) -> str:
    shown = [(k, v) for k, v in checks if v is not None]
    if not shown:
        return "-"
    if len({v for _, v in shown}) == 1:
        return _verdict(shown[0][1])
    return ", ".join(f"{k} {_verdict(v)}" for k, v in shown)


def _err(section: dict | None) -> str | None:
    if not isinstance(section, dict):
        return "not run"
    return "ERROR" if "error" in section else None


def render(results: dict) -> str:
    T = TARGETS  # noqa: N806
    sq, pg = results.get("sqlite") or {}, results.get("postgres") or {}
    rows: list[tuple[str, str, str, str, str]] = []
    notes: list[str] = []

    def ingest_cells(phase: dict, key: str) -> str:
        section = phase.get("ingest")
        if _err(section):
            return _err(section)
        r = section[key]
        errors = f" ({r['errors']} err)" if r["errors"] else ""
        return f"{r['rps']:,.0f}/s {r['p50_ms']:.0f}/{r['p99_ms']:.0f} ms{errors}"

    def ratio(phase: dict) -> tuple[str, bool | None]:
        section = phase.get("ingest")
        if _err(section):
            return _err(section), None
        ok = section["ratio"] >= T["ratio_now"] and not section["reports"]["errors"]
        return f"{section['ratio']:.2f}x", ok

    hello = results.get("hello") or {}
    hello_cell = "ERROR" if "error" in hello else f"{hello.get('rps', 0):,.0f}/s {hello.get('p99_ms', 0):.0f} ms p99"
    rows.append(("Yardstick: Flask hello-world (req/s)", hello_cell, "", "~4,000/s on this machine", "info"))
    rows.append(
        ("Ingest: bare validate+insert", ingest_cells(sq, "bare"), ingest_cells(pg, "bare"), "req/s p50/p99", "info")
    )
    rows.append(
        (
            "Ingest: POST /api/v1/me/reports",
            ingest_cells(sq, "reports"),
            ingest_cells(pg, "reports"),
            "req/s p50/p99",
            "info",
        )
    )
    (sq_r, sq_ok), (pg_r, pg_ok) = ratio(sq), ratio(pg)
    rows.append(
        (
            "Ingest ratio (reports / bare)",
            sq_r,
            pg_r,
            f">= {T['ratio_now']:.1f}x now, {T['ratio']:.1f}x next",
            _both([("SQLite", sq_ok), ("PG", pg_ok)]),
        )
    )
    for name, phase in (("SQLite", sq), ("PostgreSQL", pg)):
        stages = (phase.get("ingest") or {}).get("stages")
        if isinstance(stages, dict) and "stages_ms" in stages:
            notes.append(
                f"Ingest stages, {name} (ms per request, cProfile shares scaled to the "
                f"{stages['mean_ms']:.1f} ms unprofiled mean, in process): "
                + ", ".join(f"{k} {v:.2f}" for k, v in stages["stages_ms"].items())
            )

    def pages(phase: dict) -> tuple[str, bool | None]:
        section = phase.get("pages")
        if _err(section):
            return _err(section), None
        if section["p99_ms"] is None:
            return "no pages seen", False
        missing = section["pages_expected"] - section["pages_seen"]
        cell = f"{section['p50_ms']:.0f}/{section['p99_ms']:.0f}/{section['max_ms']:.0f} ms"
        if missing:
            cell += f" ({missing} missing)"
        return cell, section["p99_ms"] <= T["page_p99_ms"] and not missing

    (sq_p, sq_pok), (pg_p, pg_pok) = pages(sq), pages(pg)
    rows.append(
        (
            "Report to page p50/p99/max (20/s, 1/10 urgent)",
            sq_p,
            pg_p,
            f"p99 <= {T['page_p99_ms']} ms",
            _both([("SQLite", sq_pok), ("PG", pg_pok)]),
        )
    )

    ticks = pg.get("ticks")
    if _err(ticks):
        rows.append(("Tick cost", "", _err(ticks), "", "-"))
    else:
        sizes = list(ticks)
        nothing = [ticks[s]["nothing_due"]["best_ms"] for s in sizes]
        labels = "/".join(f"{int(s) // 1000}k" for s in sizes)
        rows.append(
            (
                f"Tick, nothing due, {labels} patients",
                "",
                " / ".join(f"{v:.2f}" for v in nothing) + " ms",
                f"{sizes[-1][:-3]}k: <= {T['tick_ms']} ms",
                _verdict(nothing[-1] <= T["tick_ms"]),
            )
        )
        growth = nothing[-1] / nothing[0]
        rows.append(
            (
                f"  growth with patients ({labels[-4:]} / {labels[:2]})",
                "",
                f"{growth:.1f}x",
                f"flat (<= {T['tick_growth']:.0f}x)",
                _verdict(growth <= T["tick_growth"]),
            )
        )
        due = [ticks[s]["one_percent_due"]["best_ms"] for s in sizes]
        counts = "/".join(f"{ticks[s]['due']:,}" for s in sizes)
        rows.append(
            (
                f"Tick, 1 % due ({counts} reminders)",
                "",
                " / ".join(f"{v:,.0f}" for v in due) + " ms",
                "grows with the due count",
                "info",
            )
        )
        biggest = ticks[sizes[-1]]
        for state in ("nothing_due", "one_percent_due"):
            parts = sorted(biggest[state]["sweeps_ms"].items(), key=lambda kv: -kv[1])
            notes.append(
                f"Tick at {int(sizes[-1]):,} patients, {state.replace('_', ' ')}: "
                f"{biggest[state]['queries']} SQL statements; "
                + ", ".join(f"{k} {v:.1f}" for k, v in parts[:5])
                + " ms"
            )

    burst = pg.get("burst_clock")
    if _err(burst):
        rows.append(("Burst: 10,000 missed, clock process", "", _err(burst), f"<= {T['burst_s']} s", "-"))
    else:
        cell = (
            f"{burst['seconds']:.1f} s"
            if burst["seconds"] is not None
            else f"> {burst['waited']:.0f} s ({burst['done']:,} done)"
        )
        rows.append(
            (
                "Burst: 10,000 missed, clock process",
                "",
                cell,
                f"<= {T['burst_s']} s all alerted+queued",
                _verdict(burst["seconds"] is not None and burst["seconds"] <= T["burst_s"]),
            )
        )
        if "handed_s" in burst:
            handed = burst["handed_s"]
            rows.append(
                (
                    "Burst: last page handed off (200 ms, 100/s)",
                    "",
                    f"{handed:.1f} s"
                    if handed is not None
                    else f"> {burst['waited']:.0f} s ({burst['pages_handed']:,}/{burst['pages']:,})",
                    f"<= {T['burst_handed_s']} s",
                    _verdict(handed is not None and handed <= T["burst_handed_s"]),
                )
            )
        if burst.get("outbox"):
            states = burst["outbox"]
            sent = sum(states.get(k, 0) for k in ("sent", "delivered", "unconfirmed"))
            notes.append(
                f"Burst: by then the dispatcher had sent {sent:,} of {sum(states.values()):,} queued messages "
                f"({sent / burst['waited']:.0f}/s through the stand-in)"
            )
        notes.append(
            "Burst progress (s after the clock started, alerts with pages): "
            + ", ".join(f"{t:g}:{n:,}" for t, n in burst["progress"][:: max(1, len(burst["progress"]) // 12)])
        )
    compute = pg.get("burst_compute")
    if _err(compute):
        rows.append(("Burst: compute only (ticks back to back)", "", _err(compute), "", "-"))
    else:
        cell = (
            f"{compute['seconds']:.1f} s, {compute['ticks']} ticks"
            if compute["seconds"] is not None
            else f"> {compute['elapsed']:.0f} s ({compute['done']:,} done, ~{compute['estimate_s'] or 0:.0f} s est.)"
        )
        rows.append(("Burst: compute only (ticks back to back)", "", cell, f"<= {T['burst_s']} s", "info"))

    wave = pg.get("wave")
    if wave is not None:
        if _err(wave):
            rows.append(("Wave: 10,000 reminders due the same minute", "", _err(wave), "", "-"))
        else:

            def secs(v: float | None) -> str:
                return f"{v:.1f} s" if v is not None else f"> {wave['waited']:.0f} s"

            rows.append(
                (
                    "Wave: 10,000 reminders queued (clock start ->)",
                    "",
                    secs(wave["queued_s"]),
                    f"<= {T['wave_queued_s']} s",
                    _verdict(wave["queued_s"] is not None and wave["queued_s"] <= T["wave_queued_s"]),
                )
            )
            rows.append(
                (
                    f"Wave: all handed to the stand-in ({wave['latency_s'] * 1000:.0f} ms, {wave['rate']}/s)",
                    "",
                    secs(wave["handed_s"]) + ("" if wave["handed_s"] else f" ({wave['handed']:,} done)"),
                    f"<= {T['wave_handed_s']} s",
                    _verdict(wave["handed_s"] is not None and wave["handed_s"] <= T["wave_handed_s"]),
                )
            )
            if wave["p99_ms"] is None:
                rows.append(("Pages during the wave p50/p99/max", "", "no pages seen", "", "MISS"))
            else:
                missing = wave["pages_expected"] - wave["pages_seen"]
                ok = wave["p99_ms"] <= T["wave_page_p99_ms"] and wave["max_ms"] <= T["wave_page_max_ms"] and not missing
                rows.append(
                    (
                        "Pages during the wave p50/p99/max",
                        "",
                        f"{wave['p50_ms']:.0f}/{wave['p99_ms']:.0f}/{wave['max_ms']:.0f} ms"
                        + (f" ({missing} missing)" if missing else ""),
                        f"p99 <= {T['wave_page_p99_ms']} ms, max <= {T['wave_page_max_ms']} ms",
                        _verdict(ok),
                    )
                )
            notes.append(
                f"Wave: SMS_CONCURRENCY={wave['concurrency']}, {wave['refused_429']} answers 429; "
                "progress (s, handed off): " + ", ".join(f"{t:g}:{n:,}" for t, n in wave["progress"])
            )

    def rss(phase: dict, key: str, sections: tuple[str, ...]) -> float | None:
        values = [phase[s].get(key) for s in sections if isinstance(phase.get(s), dict) and phase[s].get(key)]
        return max(values) if values else None

    sq_web, pg_web = rss(sq, "web_rss_mb", ("ingest", "pages")), rss(pg, "web_rss_mb", ("ingest", "pages"))
    rows.append(
        (
            "Peak RSS, web worker",
            _n(sq_web, "{:.0f} MB"),
            _n(pg_web, "{:.0f} MB"),
            f"<= {T['web_mb']} MB",
            _both(
                [
                    ("SQLite", None if sq_web is None else sq_web <= T["web_mb"]),
                    ("PG", None if pg_web is None else pg_web <= T["web_mb"]),
                ]
            ),
        )
    )
    sq_clock = rss(sq, "clock_rss_mb", ("pages",))
    pg_clock = rss(pg, "clock_rss_mb", ("pages", "burst_clock", "wave"))
    rows.append(
        (
            "Peak RSS, clock process",
            _n(sq_clock, "{:.0f} MB"),
            _n(pg_clock, "{:.0f} MB"),
            f"<= {T['clock_mb']} MB",
            _both(
                [
                    ("SQLite", None if sq_clock is None else sq_clock <= T["clock_mb"]),
                    ("PG", None if pg_clock is None else pg_clock <= T["clock_mb"]),
                ]
            ),
        )
    )
    sq_sender = rss(sq, "sender_rss_mb", ("pages",))
    pg_sender = rss(pg, "sender_rss_mb", ("pages", "burst_clock", "wave"))
    rows.append(
        (
            "Peak RSS, the clock's sender child",
            _n(sq_sender, "{:.0f} MB"),
            _n(pg_sender, "{:.0f} MB"),
            f"<= {T['clock_mb']} MB",
            _both(
                [
                    ("SQLite", None if sq_sender is None else sq_sender <= T["clock_mb"]),
                    ("PG", None if pg_sender is None else pg_sender <= T["clock_mb"]),
                ]
            ),
        )
    )
    rules = results.get("rules") or {}
    rows.append(
        (
            "Rules engine: assess+render, 1 core CPU",
            "ERROR" if "error" in rules else f"{rules.get('per_s', 0):,}/s",
            "",
            f"> {T['rules_per_s']:,}/s",
            "-" if "error" in rules else _verdict(rules.get("per_s", 0) > T["rules_per_s"]),
        )
    )

    widths = [max(len(r[i]) for r in [*rows, HEADER]) for i in range(5)]
    line = "  ".join("-" * w for w in widths)
    meta = results["meta"]
    out = [
        f"Vigil benchmark  {meta['started']}  code {meta.get('code', '?')}  {meta['host']}, {meta['cpus']} CPUs, "
        f"load average {meta['load_start']} at start, {meta['load_end']} at end, {meta['minutes']:.1f} min",
        "PostgreSQL with stock durability (fsync, synchronous_commit, full_page_writes on); SQLite as the app "
        "configures it in production (WAL, synchronous=NORMAL, busy_timeout 5 s)",
        line,
        "  ".join(h.ljust(w) for h, w in zip(HEADER, widths, strict=True)).rstrip(),
        line,
    ]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    out.append(line)
    out += [f"* {n}" for n in notes]
    for name, phase in (("SQLite", sq), ("PostgreSQL", pg)):
        for key, section in phase.items():
            if isinstance(section, dict) and "error" in section:
                out.append(f"! {name} {key}: {section['error']}")
        if "error" in phase:
            out.append(f"! {name}: {phase['error']}")
    return "\n".join(out)


HEADER = ("Measure", "SQLite", "PostgreSQL", "Target", "Result")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgres", *sorted(ROWS)),
        help="run one database's phase, or one PostgreSQL row (wave, burst, ticks, pages, ingest)",
    )
    args = parser.parse_args()
    install_signal_handlers()
    if args.phase:
        run_phase(args.phase, args.out)
        return 0

    started = time.monotonic()
    results: dict = {
        "meta": {
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "host": os.uname().nodename,
            "cpus": os.cpu_count(),
            "load_start": " ".join(f"{x:.1f}" for x in os.getloadavg()),
            "code": code_version(),
        }
    }
    ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    try:
        log("rules engine (bench/rules_bench.py)")
        results["rules"] = guarded("rules", rules_bench)
        log("yardstick: Flask hello-world")
        results["hello"] = guarded("hello", lambda: hello_world(workdir))
        if args.only in ROWS:
            results["postgres"] = run_child("postgres", workdir, {args.only})
        for name in ("sqlite", "postgres"):
            if args.only in (None, name):
                results[name] = run_child(name, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["meta"]["load_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    results["meta"]["minutes"] = (time.monotonic() - started) / 60
    table = render(results)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "bench.txt").write_text(table + "\n")
    (ARTIFACTS / "bench.json").write_text(json.dumps(results, indent=1, default=str))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
