"""The database restarts under load: requests fail with a clear 503 while it is
down, nothing is half-written, and the clock process carries on by itself once it is back.

Real processes: two gunicorn workers and one clock process on the PostgreSQL test cluster, which
the test stops and starts with pg_ctl; pages go through the Twilio stand-in.
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, AlertEvent, AuditEvent, Notification, Report
from tests.support.faults import FEVER, REPORT_PATH, Phone, make_phones, report_body, request, tally
from tests.support.polling import wait_until

PATIENTS = 40
THREADS = 4
HEALTHY_SECONDS = 3.0
DOWN_SECONDS = 4.0
FEVER_EVERY = 7  # one report in seven is urgent
FAILED_PAUSE = 0.1


@dataclass
class Answer:
    client_id: str
    status: int | str
    at: float
    body: dict
    retry_after: str | None = None


class Load:
    """Threads posting reports until told to stop; every answer (or network error) is kept."""

    def __init__(self, base_url: str, phones: list[Phone]) -> None:
        self.base_url, self.phones = base_url, phones
        self.answers: list[Answer] = []
        self.sent: dict[str, tuple[Phone, dict]] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._numbers = itertools.count()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _run(self) -> None:
        while not self._stop.is_set():
            n = next(self._numbers)
            phone = self.phones[n % len(self.phones)]
            body = report_body(FEVER if n % FEVER_EVERY == 0 else None)
            with self._lock:
                self.sent[body["client_id"]] = (phone, body)
            answer = post(self.base_url, phone, body)
            with self._lock:
                self.answers.append(answer)
            if answer.status not in (200, 201):
                self._stop.wait(FAILED_PAUSE)  # a phone waits before its next report


def post(base_url: str, phone: Phone, body: dict) -> Answer:
    try:
        status, data, headers = request("POST", base_url, REPORT_PATH, body, phone.headers, timeout=30)
    except (OSError, http.client.HTTPException) as exc:
        return Answer(body["client_id"], type(exc).__name__, time.monotonic(), {})
    return Answer(body["client_id"], status, time.monotonic(), data, headers.get("Retry-After"))


@pytest.mark.slow
@pytest.mark.postgres_only(restarts_server=True)
def test_a_database_restart_gives_clear_503s_writes_nothing_half_and_the_clock_resumes(
    web_workers, clocks, postgres, twilio_config, twilio_api, make_center, on_call, figures
):
    center = make_center()
    nurse_phone = on_call(center).phone
    phones = make_phones(center, PATIENTS)
    late = make_phones(center, 1, first_number=PATIENTS)[0]  # reports only after the restart
    db.session.close()  # the test's own connection goes back to the pool, to be pinged after the restart
    web = web_workers(twilio_config)
    clock = clocks.start()
    wait_until(lambda: "clock started" in clocks.logs(), timeout=30, interval=0.1, what="the clock to start")

    with Load(web.url, phones) as load:
        time.sleep(HEALTHY_SECONDS)  # the load runs meanwhile
        down_at = time.monotonic()
        postgres.stop()
        time.sleep(DOWN_SECONDS)
        postgres.start()
        up_at = time.monotonic()
        wait_until(
            lambda: any(a.at > up_at and a.status in (200, 201) for a in load.answers),
            timeout=30,
            interval=0.1,
            what="a report accepted after the restart",
        )
        time.sleep(HEALTHY_SECONDS)

    # The client retries what failed, with the same client_id, as the app does.
    failed = [a for a in load.answers if a.status not in (200, 201)]
    retried = [_retry_until_stored(web.url, *load.sent[a.client_id]) for a in failed]
    # A new alert after the restart must be paged by the same clock process, with no help.
    fresh_body = report_body(FEVER)
    fresh = post(web.url, late, fresh_body)
    assert fresh.status == 201, fresh
    page = twilio_api.wait_for(
        lambda r: r.accepted
        and r.form.get("To") == nurse_phone
        and f"/alerts/{fresh.body['alert']['id']}" in r.form.get("Body", ""),
        timeout=60,
    )
    paged_after = time.monotonic() - fresh.at
    _wait_for_outbox_to_drain()

    statuses = Counter(a.status for a in load.answers)
    unavailable = [a for a in load.answers if a.status == 503]
    db.session.rollback()
    unique = {*load.sent, fresh_body["client_id"]}
    stored = set(db.session.scalars(select(Report.client_id)))
    half_written = _half_written()
    sent = tally(twilio_api.messages(accepted=True))
    figures(
        "database-restart",
        requests=len(load.answers),
        ok=statuses[200] + statuses[201],
        status_503=statuses[503],
        other_5xx=sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500 and s != 503),
        network_errors=sum(n for s, n in statuses.items() if isinstance(s, str)),
        retried=len(retried),
        lost=len(unique - stored),
        duplicated=len(stored) - len(stored & unique) + _twins(),
        half_written=sum(half_written.values()),
        down_s=f"{up_at - down_at:.1f}",
        new_alert_paged_s=f"{paged_after:.1f}",
        pages=sent.pages,
        pages_lost=sent.lost,
        pages_duplicated=sent.duplicates,
    )

    assert set(statuses) <= {200, 201, 503}, statuses
    assert unavailable, "no request met the outage: the restart was not under load"
    assert all(a.body.get("error", {}).get("code") == "service_unavailable" and a.retry_after for a in unavailable), (
        unavailable[:3]
    )
    assert all(r in (200, 201) for r in retried)
    assert stored == unique and _twins() == 0
    assert half_written == {}, half_written
    assert clock.poll() is None, "the clock process died with the database"
    assert "dispatch failed; retrying" in clocks.logs() or "LISTEN connection lost" in clocks.logs()
    assert page.accepted
    assert sent.lost == 0
    assert sent.duplicates <= 1, sent.duplicate_keys  # a send in flight as the database died may repeat once


def _retry_until_stored(base_url: str, phone: Phone, body: dict) -> int:
    def stored() -> int | None:
        status = post(base_url, phone, body).status
        return status if status in (200, 201) else None

    return wait_until(stored, timeout=30, interval=0.5, what="a retried report to be stored")


def _wait_for_outbox_to_drain() -> None:
    def drained() -> bool:
        db.session.rollback()
        return (
            db.session.scalar(
                select(func.count()).select_from(Notification).where(Notification.state.in_(("pending", "sending")))
            )
            == 0
        )

    # A send cut off by the restart waits out its lease (2 minutes) before it is retried.
    wait_until(drained, timeout=180, interval=0.5, what="the outbox to drain")


def _twins() -> int:
    return db.session.scalar(select(func.count()).select_from(Report)) - db.session.scalar(
        select(func.count(func.distinct(Report.client_id)))
    )


def _half_written() -> dict[str, int]:
    """A report without its grading, an alerting report without its alert, an alert without its
    pages, a report without its audit line: any of these is a half-written transaction."""
    reports = db.session.scalars(select(Report)).all()
    audited = Counter(db.session.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "report.create")))
    on_alert = set(db.session.scalars(select(AlertEvent.report_id).where(AlertEvent.report_id.is_not(None))))
    pages = Counter(db.session.scalars(select(Notification.alert_id).where(Notification.purpose == "page")))
    problems = {
        "ungraded": sum(1 for r in reports if not r.graded or not (r.assessment or {}).get("level")),
        "alerting_without_alert": sum(
            1 for r in reports if r.level != "routine" and (r.alert_id is None or r.id not in on_alert)
        ),
        "alert_without_page": sum(1 for a in db.session.scalars(select(Alert)) if pages[a.id] == 0),
        "not_audited_once": sum(1 for r in reports if audited[r.id] != 1),
    }
    return {k: v for k, v in problems.items() if v}
