"""Two clock processes and two gunicorn web workers on one PostgreSQL database, 1,000 alerts:
every page is sent exactly once.

Urgent reports arrive over HTTP (one per patient, so one alert each) while both clocks are
dispatching; the pages are counted where they land, at the Twilio stand-in.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, Notification
from tests.support.faults import FEVER, REPORT_PATH, make_phones, report_body, request, tally
from tests.support.polling import wait_until

ALERTS = 1_000
THREADS = 8


def _sent_by_each(clocks) -> list[int]:
    """Messages each clock's dispatcher thread says it sent ("dispatch: sent=N ..." log lines; what
    its tick's own dispatch sweep sent is not logged, so the sum may fall short of the total)."""
    return [
        sum(int(n) for n in re.findall(r"dispatch: sent=(\d+)", clocks.log_of(i))) for i in range(len(clocks.processes))
    ]


@pytest.mark.slow
@pytest.mark.postgres_only
def test_two_clocks_and_two_web_workers_send_each_of_1000_pages_exactly_once(
    web_workers, clocks, twilio_config, twilio_api, make_center, on_call, figures
):
    center = make_center()
    nurse_phone = on_call(center).phone
    phones = make_phones(center, ALERTS)
    web = web_workers(twilio_config, workers=2)
    for _ in range(2):
        clocks.start()
    started = time.monotonic()

    def post(phone) -> int:
        return request("POST", web.url, REPORT_PATH, report_body(FEVER), phone.headers)[0]

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = Counter(pool.map(post, phones))
    posted_s = time.monotonic() - started

    def drained() -> bool:
        db.session.rollback()
        return (
            db.session.scalar(
                select(func.count()).select_from(Notification).where(Notification.state.in_(("pending", "sending")))
            )
            == 0
        )

    wait_until(drained, timeout=300, interval=0.5, what="every page to be sent")
    seconds = time.monotonic() - started
    clocks.stop_all()

    db.session.rollback()
    alerts = db.session.scalar(select(func.count()).select_from(Alert))
    sent = tally(twilio_api.messages(accepted=True))
    per_alert = Counter(
        re.search(r"/alerts/(\d+)", r.form["Body"]).group(1) for r in twilio_api.messages(accepted=True, to=nurse_phone)
    )
    by_clock = _sent_by_each(clocks)
    figures(
        "two-clocks-two-workers",
        alerts=alerts,
        pages=sent.pages,
        messages=sent.messages,
        delivered=sent.delivered,
        lost=sent.lost,
        duplicates=sent.duplicates,
        pages_once=sum(n == 1 for n in per_alert.values()),
        sent_by_clock="/".join(map(str, by_clock)),
        status_5xx=sum(n for s, n in statuses.items() if s >= 500),
        posted_s=f"{posted_s:.0f}",
        seconds=f"{seconds:.0f}",
    )

    assert statuses == {201: ALERTS}, statuses
    assert alerts == ALERTS
    assert (sent.lost, sent.duplicates) == (0, 0), (sent.lost_keys, sent.duplicate_keys)
    assert len(per_alert) == ALERTS and set(per_alert.values()) == {1}
    assert all(by_clock), f"one clock sent nothing: {by_clock}"
