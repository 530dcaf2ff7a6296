"""The 08:00 wave, on PostgreSQL, with the real clock process.

10,000 patients whose check-in is due the same minute (their reminders all due in one tick). The
clock (`flask --app wsgi scheduler run`, production tick interval) sends through the real Twilio
SDK to the recording proxy (200 ms before each answer, as Twilio's API takes) in front of Prism,
at SMS_MAX_PER_SECOND=100 with SMS_CONCURRENCY threads. Measured from the clock's start: the
time until every reminder is queued, and until every reminder reached the stand-in.

Pages during the wave: while it drains, urgent reports (38.9 °C) are recorded in this process
through the service the web workers call (`record_report`), 2 a second from patients without an
open alert; each page's latency is the stand-in receiving it minus the report's commit.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text

from bench.common import Processes, app_env, flask_cmd, log, peak_rss_mb, percentile, sender_peak_rss_mb, twilio_env
from bench.page_latency import ALERT_LINK, TimedProxy
from bench.seed import seed_population, seed_wave, utc_now

QUEUED_SQL = text("SELECT count(*) FROM notifications WHERE purpose = 'reminder'")
LATENCY_S = 0.2
RATE = 100
CONCURRENCY = 25


def wave_clock(
    database_url: str,
    prism_url: str,
    workdir: Path,
    count: int = 10000,
    timeout: float = 240,
    pages: int = 40,
    page_rate: float = 2.0,
) -> dict:
    """Must run inside an app context on a freshly migrated PostgreSQL database."""
    from app.extensions import db

    now = utc_now()
    pop = seed_population(count + pages, now=now, quiet_minutes=60)
    wave_ids, page_ids = pop.patient_ids[:count], pop.patient_ids[count:]
    pop.patient_ids = wave_ids
    seed_wave(pop, now)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    db.session.remove()
    proxy = TimedProxy(prism_url).start()
    proxy.latency = LATENCY_S
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    procs = Processes()
    reporter: PageReports | None = None
    try:
        env = app_env(
            database_url, **twilio_env(proxy.url), SMS_MAX_PER_SECOND=str(RATE), SMS_CONCURRENCY=str(CONCURRENCY)
        )
        started = time.perf_counter()
        clock = procs.start(flask_cmd("scheduler", "run"), env=env, log_path=workdir / "clock-wave.log")
        queued_s = handed_s = None
        rss, sender_rss, progress = 0.0, 0.0, []
        reminder_phones = {f"+1202{n:07d}" for n in range(count)}
        while time.perf_counter() - started < timeout:
            time.sleep(0.25)
            if clock.poll() is not None:
                raise RuntimeError(f"clock exited; see {workdir / 'clock-wave.log'}")
            elapsed = time.perf_counter() - started
            if queued_s is None:
                with engine.connect() as conn:
                    if conn.execute(QUEUED_SQL).scalar_one() >= count:
                        queued_s = elapsed
                        reporter = PageReports(page_ids, page_rate, proxy)
                        reporter.start()
            handed = sum(1 for r in proxy.messages(accepted=True) if r.form.get("To") in reminder_phones)
            rss = max(rss, peak_rss_mb(clock.pid) or 0)
            sender_rss = max(sender_rss, sender_peak_rss_mb(clock.pid) or 0)
            progress.append((round(elapsed, 1), handed))
            if handed >= count:
                handed_s = elapsed
                break
        if reporter is not None:
            reporter.join(timeout=60)
        rss = max(rss, peak_rss_mb(clock.pid) or 0)
        sender_rss = max(sender_rss, sender_peak_rss_mb(clock.pid) or 0)
        refused = sum(1 for r in proxy.messages() if r.status == 429)
    finally:
        procs.stop_all()
        proxy.stop()
        engine.dispose()
    latencies = reporter.latencies_ms() if reporter else []
    log(
        f"wave: {count:,} reminders queued in {queued_s} s, handed off in {handed_s} s; "
        f"pages during the wave: {len(latencies)} seen"
    )
    return {
        "count": count,
        "queued_s": queued_s,
        "handed_s": handed_s,
        "waited": time.perf_counter() - started,
        "handed": progress[-1][1] if progress else 0,
        "clock_rss_mb": rss,
        "sender_rss_mb": sender_rss or None,
        "refused_429": refused,
        "progress": progress[:: max(1, len(progress) // 20)],
        "pages_expected": len(page_ids),
        "pages_seen": len(latencies),
        "p50_ms": percentile(latencies, 50) if latencies else None,
        "p99_ms": percentile(latencies, 99) if latencies else None,
        "max_ms": max(latencies) if latencies else None,
        "latencies_ms": [round(v) for v in latencies],  # in the order the pages were reported
        "latency_s": LATENCY_S,
        "rate": RATE,
        "concurrency": CONCURRENCY,
    }


class PageReports(threading.Thread):
    """Urgent reports at `rate` a second through `record_report`, while the wave drains."""

    def __init__(self, patient_ids: list[int], rate: float, proxy: TimedProxy) -> None:
        super().__init__(daemon=True)
        from flask import current_app

        self.app = current_app._get_current_object()
        self.patient_ids, self.rate, self.proxy = patient_ids, rate, proxy
        self.committed: dict[int, float] = {}  # alert id -> perf_counter at commit

    def run(self) -> None:
        from app.extensions import db
        from app.models import Alert, Patient
        from app.services.reports import record_report
        from app.timesource import utcnow

        with self.app.app_context():
            start = time.perf_counter()
            for n, pid in enumerate(self.patient_ids):
                pause = start + n / self.rate - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                patient = db.session.get(Patient, pid)
                record_report(
                    patient,
                    {"client_id": str(uuid.uuid4()), "recorded_at": utcnow(), "vitals": {"temperature_c": 38.9}},
                    source="app",
                )
                db.session.commit()
                committed = time.perf_counter()
                alert_id = db.session.scalar(select(Alert.id).where(Alert.patient_id == pid))
                if alert_id is not None:
                    self.committed[alert_id] = committed
            db.session.remove()
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and len(self._arrivals()) < len(self.committed):
            time.sleep(0.2)

    def _arrivals(self) -> dict[int, float]:
        seen: dict[int, float] = {}
        for at, form in list(self.proxy.arrivals):
            found = ALERT_LINK.search((form.get("Body") or [""])[0])
            if found and int(found.group(1)) in self.committed and int(found.group(1)) not in seen:
                seen[int(found.group(1))] = at
        return seen

    def latencies_ms(self) -> list[float]:
        arrivals = self._arrivals()
        return [1000 * (arrivals[alert_id] - at) for alert_id, at in self.committed.items() if alert_id in arrivals]
