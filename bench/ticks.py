"""Tick cost and the missed-check-in burst, on PostgreSQL.

Tick cost: `run_all_sweeps(now)` in this process (the clock's own code path), best and median
of a few runs, with 1,000, 10,000 and 100,000 active patients (one population grown in place,
VACUUM ANALYZE after each growth, as autovacuum would have done), first with nothing due, then
with 1 % of the patients' check-ins due for their reminder (reset between runs). Each sweep is
timed on its own and the SQL statements counted, so a slow tick says which sweep and why.

Burst: 10,000 check-ins missed at the same minute (their window ended while the clock was
down). Measured twice: (a) the real clock process started on that state ("after an outage"),
with its production tick interval, sending through Twilio's stand-in, until every check-in has
its alert and queued pages; (b) ticks back to back in this process: the compute alone.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, event, insert, select, text, update

from bench.common import Processes, app_env, flask_cmd, log, peak_rss_mb, sender_peak_rss_mb, twilio_env
from bench.seed import Population, seed_missed, seed_population, utc_now

DONE_SQL = text(
    "SELECT count(*) FROM alerts a WHERE a.kind = 'missed_check_in' AND EXISTS "
    "(SELECT 1 FROM notifications n WHERE n.alert_id = a.id AND n.purpose = 'page')"
)

SENT_SQL = text("SELECT state, count(*) FROM notifications GROUP BY state")


def _now() -> datetime:
    return datetime.now(UTC)


class SweepTimer:
    """Wraps each registered sweep, and the probe that tells which ones to skip ("probe"), with
    a timer and counts SQL statements (the registry's own loop, run_all_sweeps, is what runs)."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        import app.scheduling.jobs  # noqa: F401 - registers the sweeps
        from app.scheduling import registry, sweeps

        self.times: dict[str, float] = {}
        self.queries = 0
        for name, fn in list(registry.SWEEPS.items()):
            registry.SWEEPS[name] = self._timed(name, getattr(fn, "__wrapped_sweep__", fn))
        probe = sweeps.due_sweeps
        sweeps.due_sweeps = self._timed("probe", getattr(probe, "__wrapped_sweep__", probe))
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:  # noqa: ANN002
        self.queries += 1

    def _timed(self, name: str, fn: Callable) -> Callable:
        def timed(now: datetime, *args) -> object:  # noqa: ANN002
            start = time.perf_counter()
            try:
                return fn(now, *args)
            finally:
                self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start

        timed.__wrapped_sweep__ = fn
        return timed

    def tick(self) -> tuple[float, dict[str, float], int]:
        """One tick as of now: (ms, ms per sweep, statements)."""
        from app.extensions import db
        from app.scheduling.sweeps import run_all_sweeps

        self.times, self.queries = {}, 0
        start = time.perf_counter()
        run_all_sweeps(_now())
        elapsed = time.perf_counter() - start
        db.session.remove()
        return 1000 * elapsed, {k: 1000 * v for k, v in self.times.items()}, self.queries


def vacuum_analyze() -> None:
    from app.extensions import db

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _measure(timer: SweepTimer, runs: int, reset: Callable[[], None] | None = None) -> dict:
    samples = []
    for _ in range(runs):
        if reset:
            reset()
        samples.append(timer.tick())
    best = min(samples, key=lambda s: s[0])
    return {
        "best_ms": best[0],
        "median_ms": statistics.median(s[0] for s in samples),
        "queries": best[2],
        "sweeps_ms": {k: round(v, 2) for k, v in best[1].items()},
    }


def tick_cost(sizes: tuple[int, ...] = (1000, 10000, 100000), runs: int = 15, due_runs: int = 3) -> dict:
    """Must run inside an app context on a freshly migrated PostgreSQL database."""
    from app.extensions import db
    from app.models import CheckIn, DeliveryAttempt, Notification

    timer = SweepTimer(db.engine)
    now0 = utc_now()
    populations: list[Population] = []
    out: dict[str, dict] = {}
    seeded = 0
    for size in sizes:
        started = time.perf_counter()
        populations.append(seed_population(size - seeded, now=now0, start=seeded, quiet_minutes=60))
        seeded = size
        vacuum_analyze()
        log(f"tick cost: {size:,} patients seeded in {time.perf_counter() - started:.1f} s")
        timer.tick()  # warm the mappers and the statement cache
        nothing = _measure(timer, runs)
        patient_ids = [pid for pop in populations for pid in pop.patient_ids][::100]
        due_at = _now().replace(microsecond=0) - timedelta(minutes=1)
        ids = (
            db.session.execute(
                insert(CheckIn.__table__).returning(CheckIn.__table__.c.id),
                [
                    {
                        "patient_id": pid,
                        "protocol_id": populations[0].protocol_id,
                        "due_at": due_at,
                        "window_ends_at": due_at + timedelta(minutes=120),
                        "phase": "days-0-7",
                        "asks": ["vitals", "symptoms"],
                        "missed_level": "urgent",
                        "state": "pending",
                        "ladder_step": 0,
                        "next_action_at": due_at,
                        "created_at": due_at,
                    }
                    for pid in patient_ids
                ],
            )
            .scalars()
            .all()
        )
        db.session.commit()

        def reset(ids: list[int] = ids) -> None:
            db.session.execute(
                update(CheckIn)
                .where(CheckIn.id.in_(ids))
                .values(state="pending", ladder_step=0, next_action_at=CheckIn.due_at)
            )
            reminders = select(Notification.id).where(Notification.purpose == "reminder")
            db.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(reminders)))
            db.session.execute(delete(Notification).where(Notification.purpose == "reminder"))
            db.session.commit()

        due = _measure(timer, due_runs, reset)
        reset()
        db.session.execute(delete(CheckIn).where(CheckIn.id.in_(ids)))
        db.session.commit()
        out[str(size)] = {"nothing_due": nothing, "one_percent_due": due, "due": len(ids)}
        log(
            f"tick cost: {size:,} patients: nothing due {nothing['best_ms']:.1f} ms ({nothing['queries']} SQL), "
            f"{len(ids)} due {due['best_ms']:.0f} ms ({due['queries']} SQL)"
        )
    return out


def _done_count() -> int:
    from app.extensions import db

    return db.session.execute(DONE_SQL).scalar_one()


def burst_in_process(count: int = 10000, max_ticks: int = 60, budget: float = 60) -> dict:
    """Ticks back to back in this process until every missed check-in has its alert and pages
    (or `budget` seconds of ticks have run: then the rate so far gives an estimate)."""
    from app.extensions import db

    now = utc_now()
    pop = seed_population(count, now=now, quiet_minutes=60)
    seed_missed(pop, now)
    vacuum_analyze()
    timer = SweepTimer(db.engine)
    elapsed, ticks, done = 0.0, 0, 0
    per_tick = []
    while ticks < max_ticks and elapsed < budget:
        ms, sweeps, queries = timer.tick()
        elapsed += ms / 1000
        ticks += 1
        per_tick.append(
            {
                "ms": round(ms),
                "check_ins_ms": round(sweeps.get("check_ins", 0)),
                "dispatch_ms": round(sweeps.get("dispatch", 0)),
                "queries": queries,
            }
        )
        done = _done_count()
        db.session.remove()
        if done >= count:
            break
    log(f"burst in-process: {done:,}/{count:,} in {elapsed:.1f} s over {ticks} ticks")
    return {
        "seconds": elapsed if done >= count else None,
        "elapsed": elapsed,
        "ticks": ticks,
        "done": done,
        "count": count,
        "estimate_s": elapsed * count / done if done else None,
        "per_tick": per_tick,
    }


PAGES_SQL = text("SELECT count(*) FROM notifications WHERE purpose = 'page'")


def burst_clock(database_url: str, prism_url: str, workdir: Path, count: int = 10000, timeout: float = 150) -> dict:
    """The real clock process started on 10,000 check-ins missed during its outage, sending at
    SMS_MAX_PER_SECOND=100 through the recording proxy (200 ms per answer, as Twilio takes):
    the time until every check-in has its alert and queued pages, and until every page has
    reached the stand-in."""
    from app.extensions import db
    from bench.page_latency import TimedProxy

    now = utc_now()
    pop = seed_population(count, now=now, quiet_minutes=60)
    seed_missed(pop, now)
    vacuum_analyze()
    db.session.remove()
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    proxy = TimedProxy(prism_url).start()
    proxy.latency = 0.2
    nurses = set(pop.nurse_phone.values())
    procs = Processes()
    progress = []
    queued_s = handed_s = None
    try:
        env = app_env(database_url, **twilio_env(proxy.url), SMS_MAX_PER_SECOND="100", SMS_CONCURRENCY="25")
        started = time.monotonic()
        clock = procs.start(flask_cmd("scheduler", "run"), env=env, log_path=workdir / "clock-burst.log")
        done, rss, sender_rss = 0, 0.0, 0.0
        while time.monotonic() - started < timeout:
            time.sleep(0.5)
            if clock.poll() is not None:
                raise RuntimeError(f"clock exited; see {workdir / 'clock-burst.log'}")
            with engine.connect() as conn:
                done = conn.execute(DONE_SQL).scalar_one()
                pages = conn.execute(PAGES_SQL).scalar_one()
            rss = max(rss, peak_rss_mb(clock.pid) or 0)
            sender_rss = max(sender_rss, sender_peak_rss_mb(clock.pid) or 0)
            if not progress or progress[-1][1] != done:
                progress.append((round(time.monotonic() - started, 1), done))
            if done >= count and queued_s is None:
                queued_s = time.monotonic() - started
            handed = sum(1 for r in proxy.messages(accepted=True) if r.form.get("To") in nurses)
            if queued_s is not None and handed >= pages:
                handed_s = time.monotonic() - started
                break
        seconds = time.monotonic() - started
        rss = max(rss, peak_rss_mb(clock.pid) or 0)
        sender_rss = max(sender_rss, sender_peak_rss_mb(clock.pid) or 0)
        with engine.connect() as conn:
            outbox = dict(conn.execute(SENT_SQL).all())
            pages = conn.execute(PAGES_SQL).scalar_one()
        handed = sum(1 for r in proxy.messages(accepted=True) if r.form.get("To") in nurses)
    finally:
        procs.stop_all()
        proxy.stop()
        engine.dispose()
    log(
        f"burst with the clock process: {done:,}/{count:,} queued in {queued_s} s; pages handed off "
        f"{handed:,}/{pages:,} in {handed_s} s"
    )
    return {
        "seconds": queued_s,
        "waited": seconds,
        "done": done,
        "count": count,
        "handed_s": handed_s,
        "pages": pages,
        "pages_handed": handed,
        "clock_rss_mb": rss,
        "sender_rss_mb": sender_rss or None,
        "progress": progress,
        "outbox": outbox,
    }
