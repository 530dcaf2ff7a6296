"""10,000 reports posted to two gunicorn workers, with 5 % client retries (same client_id) and
connections cut mid-request: the database holds exactly the unique reports, each graded once.
Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import http.client
import random
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, AlertEvent, AuditEvent, Notification, Report
from tests.support.faults import (
    FEVER,
    REPORT_PATH,
    Phone,
    cut_before_answer,
    cut_mid_body,
    make_phones,
    report_body,
    request,
)

REPORTS = 10_000
PATIENTS = 250
RETRY_SHARE = 0.05  # of reports posted twice with the same client_id
CUT_MID_BODY_SHARE = 0.01  # of reports whose first attempt dies after half the body
CUT_BEFORE_ANSWER_SHARE = 0.01  # of reports whose first attempt is sent whole but never answered
FEVER_SHARE = 0.02  # of reports that are urgent (open or grow the patient's alert)
THREADS = 8
WEB_WORKERS = 2


@dataclass
class Job:
    """One client's work for one report: the faults its phone meets, then the post(s)."""

    phone: Phone
    body: dict
    cut_mid_body: bool = False
    cut_before_answer: bool = False
    posts: int = 1


def _plan(phones: list[Phone], rng: random.Random) -> list[Job]:
    jobs: list[Job] = []
    for i in range(REPORTS):
        fever = rng.random() < FEVER_SHARE
        job = Job(
            phones[i % len(phones)],
            report_body(FEVER if fever else None),
            cut_mid_body=rng.random() < CUT_MID_BODY_SHARE,
            cut_before_answer=rng.random() < CUT_BEFORE_ANSWER_SHARE,
        )
        jobs.append(job)
        if rng.random() < RETRY_SHARE:
            if rng.random() < 0.5:
                job.posts = 2  # the retry after the answer was lost
            else:  # the retry while the first is still in flight (another thread, right behind)
                jobs.append(Job(job.phone, job.body))
    return jobs


def _run(base_url: str, job: Job) -> list[tuple[str, int | str, int | None]]:
    """What the client saw: (client_id, status or error name, report id)."""
    if job.cut_mid_body:
        cut_mid_body(base_url, REPORT_PATH, job.body, job.phone.headers)
    if job.cut_before_answer:
        cut_before_answer(base_url, REPORT_PATH, job.body, job.phone.headers)
    seen = []
    for _ in range(job.posts):
        try:
            status, data, _headers = request("POST", base_url, REPORT_PATH, job.body, job.phone.headers)
        except (OSError, http.client.HTTPException) as exc:
            seen.append((job.body["client_id"], type(exc).__name__, None))
            continue
        report_id = (data.get("report") or {}).get("id") if status in (200, 201) else None
        seen.append((job.body["client_id"], status, report_id))
    return seen


@pytest.mark.slow
def test_ten_thousand_reports_with_retries_and_cut_connections_are_stored_once_each(
    web_workers, make_center, on_call, figures
):
    center = make_center()
    on_call(center)
    phones = make_phones(center, PATIENTS)
    web = web_workers(workers=WEB_WORKERS)
    jobs = _plan(phones, random.Random(8))

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        answers = [a for seen in pool.map(lambda job: _run(web.url, job), jobs) for a in seen]
    seconds = time.monotonic() - started

    db.session.rollback()
    unique = {job.body["client_id"] for job in jobs}
    statuses = Counter(status for _cid, status, _rid in answers)
    ids_per_client = defaultdict(set)
    created_per_client = Counter()
    for client_id, status, report_id in answers:
        if report_id is not None:
            ids_per_client[client_id].add(report_id)
        created_per_client[client_id] += status == 201
    stored = {row.client_id: row.id for row in db.session.execute(select(Report.client_id, Report.id))}
    stored_count = db.session.scalar(select(func.count()).select_from(Report))
    lost = len(unique - set(stored))
    duplicated = stored_count - len(stored.keys() & unique)
    answered_other_id = sum(1 for cid, ids in ids_per_client.items() if ids != {stored.get(cid)})
    regraded = _regraded(stored.values())
    errors_logged = web.log_text().count("unhandled error")
    figures(
        "report-storm",
        reports=len(unique),
        requests=len(answers),
        retries=sum(j.posts - 1 for j in jobs) + len(jobs) - REPORTS,
        cut_mid_body=sum(j.cut_mid_body for j in jobs),
        cut_before_answer=sum(j.cut_before_answer for j in jobs),
        stored=stored_count,
        lost=lost,
        duplicated=duplicated,
        regraded=sum(regraded.values()),
        status_5xx=sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500),
        network_errors=sum(n for s, n in statuses.items() if isinstance(s, str)),
        errors_logged=errors_logged,
        seconds=f"{seconds:.1f}",
        per_second=f"{len(answers) / seconds:.0f}",
    )

    assert set(statuses) <= {200, 201}, statuses
    assert (lost, duplicated, stored_count) == (0, 0, REPORTS)
    assert answered_other_id == 0, "a retry was answered with another report than the one stored"
    assert max(created_per_client.values()) == 1, "two answers both said 201 Created for one client_id"
    assert regraded == {}, regraded
    assert errors_logged == 0, web.log_text()[-3000:]
    _assert_each_alert_paged_once()


def _regraded(report_ids) -> dict:
    """Problems that would show a report graded twice, or not at all."""
    problems = {}
    ungraded = db.session.scalar(
        select(func.count()).select_from(Report).where((Report.level.is_(None)) | (Report.graded.is_not(True)))
    )
    no_assessment = sum(1 for a in db.session.scalars(select(Report.assessment)) if not (a or {}).get("level"))
    audits = Counter(db.session.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "report.create")))
    twice_audited = sum(1 for rid in report_ids if audits[rid] != 1)
    events = Counter(db.session.scalars(select(AlertEvent.report_id).where(AlertEvent.report_id.is_not(None))))
    twice_on_alert = sum(1 for n in events.values() if n > 1)
    for name, value in (
        ("ungraded", ungraded),
        ("no_assessment", no_assessment),
        ("audited_not_once", twice_audited),
        ("alert_events_twice", twice_on_alert),
    ):
        if value:
            problems[name] = value
    return problems


def _assert_each_alert_paged_once() -> None:
    """One alert per patient with a fever; each paged the on-call nurse once and told the patient once."""
    fever_patients = set(db.session.scalars(select(Report.patient_id).where(Report.level != "routine")))
    alerts = db.session.scalars(select(Alert)).all()
    assert sorted(a.patient_id for a in alerts) == sorted(fever_patients)
    per_alert = Counter((n.alert_id, n.purpose) for n in db.session.scalars(select(Notification)))
    assert all(per_alert[(a.id, "page")] == 1 and per_alert[(a.id, "patient_notice")] == 1 for a in alerts), per_alert
    opened_by = Counter(a.opening_report_id for a in alerts)
    assert max(opened_by.values(), default=1) == 1
