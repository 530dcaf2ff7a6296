"""Where the time goes: cProfile and SQL statement counts for one workload, in this process.

Not part of `make bench`; a tool for whoever optimises. On a temporary SQLite file, or
on PostgreSQL under scripts/with-postgres.sh (it then uses DATABASE_URL):

    .venv/bin/python bench/hotspots.py ingest [--n 500]        # POST /api/v1/me/reports, test client
    .venv/bin/python bench/hotspots.py bare [--n 500]          # the bare validate+insert, same bodies
    scripts/with-postgres.sh .venv/bin/python bench/hotspots.py burst [--n 1000]   # one tick, n missed
    scripts/with-postgres.sh .venv/bin/python bench/hotspots.py reminders [--n 1000]  # one tick, n due

Prints the SQL statements per unit of work (most frequent first), then the functions with the
most cumulative and own time. `--dump FILE` keeps the raw profile (for snakeviz or pstats).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402 - after the sys.path line on purpose

from bench.run_all import in_app, make_app, upgrade  # noqa: E402
from bench.seed import seed_missed, seed_population, utc_now  # noqa: E402

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
ICE = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}


def report_body(rng: random.Random) -> dict:
    """The wrk script's mix (bench/wrk_reports.lua), in Python."""
    r = rng.randrange(100)
    if r < 70:
        temp, hr = 36.4 + rng.randrange(10) / 10, rng.randrange(68, 97)
    elif r < 80:
        temp, hr = 37.5 + rng.randrange(5) / 10, rng.randrange(88, 105)
    elif r < 90:
        temp, hr = 38.1 + rng.randrange(10) / 10, rng.randrange(100, 125)
    else:
        temp, hr = 37.0, 90
    body = {
        "client_id": "prof-" + uuid.uuid4().hex,
        "recorded_at": datetime.now(UTC).isoformat(),
        "vitals": {
            "temperature_c": round(temp, 1),
            "heart_rate": hr,
            "systolic_bp": 120,
            "diastolic_bp": 74,
            "spo2": 97,
            "respiratory_rate": 16,
        },
        "symptoms": SYMPTOMS,
    }
    if rng.randrange(3) == 0:
        body["neuro"] = {"confusion": False, "tremor": False, "ice": ICE}
    return body


class Statements:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.counts: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        self.counts[" ".join(statement.split())[:110]] += 1

    def report(self, units: int, what: str) -> None:
        total = sum(self.counts.values())
        print(f"\n{total / units:.1f} SQL statements per {what} ({total} for {units}):")
        for text, count in self.counts.most_common(25):
            print(f"  {count / units:6.2f}  {text}")


def profile(fn, dump: str | None) -> None:  # noqa: ANN001
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    fn()
    profiler.disable()
    print(f"\nwall time {time.perf_counter() - start:.2f} s (under cProfile)")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(30)
        print(out.getvalue())
    if dump:
        profiler.dump_stats(dump)


def http_workload(url: str, n: int, path: str, dump: str | None) -> None:
    from app.extensions import db

    pop = in_app(url, lambda: seed_population(2000, now=utc_now(), tokens=True, history=12))
    app = make_app(url)
    tokens = list(pop.tokens.values())
    rng = random.Random(9)
    with app.app_context():
        statements = Statements(db.engine)
    client = app.test_client()
    for _ in range(50):  # warm-up
        client.post(path, json=report_body(rng), headers={"Authorization": f"Bearer {rng.choice(tokens)}"})
    statements.counts.clear()

    def run() -> None:
        for _ in range(n):
            answer = client.post(path, json=report_body(rng), headers={"Authorization": f"Bearer {rng.choice(tokens)}"})
            if answer.status_code not in (200, 201):
                raise RuntimeError(f"{answer.status_code}: {answer.get_data(as_text=True)[:300]}")

    start = time.perf_counter()
    run()
    print(f"{1000 * (time.perf_counter() - start) / n:.2f} ms per request without the profiler")
    statements.counts.clear()
    profile(run, dump)
    statements.report(n, "request")


def tick_workload(url: str, n: int, kind: str, dump: str | None, plain: bool = False) -> None:
    from app.extensions import db
    from app.models import CheckIn
    from app.scheduling.sweeps import run_all_sweeps

    app = make_app(url)
    with app.app_context():
        now = utc_now()
        pop = seed_population(n, now=now, quiet_minutes=60)
        if kind == "burst":
            seed_missed(pop, now)
        else:
            due = now - timedelta(minutes=1)
            db.session.execute(
                insert(CheckIn.__table__),
                [
                    {
                        "patient_id": pid,
                        "protocol_id": pop.protocol_id,
                        "due_at": due,
                        "window_ends_at": due + timedelta(minutes=120),
                        "phase": "days-0-7",
                        "asks": ["vitals"],
                        "missed_level": "urgent",
                        "state": "pending",
                        "ladder_step": 0,
                        "next_action_at": due,
                        "created_at": due,
                    }
                    for pid in pop.patient_ids
                ],
            )
            db.session.commit()
        run_all_sweeps(now - timedelta(hours=1))  # warm the mappers; nothing is due an hour ago
        db.session.remove()
        statements = Statements(db.engine)
        if plain:  # the time itself, without cProfile's overhead (about 2x on this code)
            start = time.perf_counter()
            run_all_sweeps(datetime.now(UTC))
            print(f"one tick: {time.perf_counter() - start:.2f} s without the profiler")
        else:
            profile(lambda: run_all_sweeps(datetime.now(UTC)), dump)
        statements.report(n, "due check-in")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=("ingest", "bare", "burst", "reminders"))
    parser.add_argument("--n", type=int, default=None)
    parser.add_argument("--dump", help="write the raw cProfile stats here")
    parser.add_argument("--plain", action="store_true", help="time one tick without the profiler")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    url = os.environ.get("DATABASE_URL")
    scratch = None
    if not url:
        scratch = tempfile.mkdtemp(prefix="vigil-profile-")
        url = f"sqlite:///{scratch}/profile.db"
    try:
        run(args, url)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, url: str) -> None:
    print(f"database: {url.split('@')[-1]}")
    upgrade(url)
    if args.workload in ("ingest", "bare"):
        path = "/api/v1/me/reports" if args.workload == "ingest" else "/api/v1/bench/bare-insert"
        http_workload(url, args.n or 500, path, args.dump)
    else:
        tick_workload(url, args.n or 1000, args.workload, args.dump, args.plain)


if __name__ == "__main__":
    main()
