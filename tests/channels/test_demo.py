"""`make run`'s demo (log backends) shows both new channels: what it would push and say."""

from __future__ import annotations

import logging
from datetime import timedelta

from app.demo import load_demo
from app.scheduling.sweeps import run_all_sweeps
from app.timesource import utcnow


def test_the_demo_prints_what_it_would_push_and_say_and_the_clock_logs_it(caplog):
    lines = load_demo()
    text = "\n".join(lines)
    assert "Channels: SMS_BACKEND=log, PUSH_BACKEND=log, VOICE_BACKEND=log" in text
    assert "John Carter's app is registered" in text and '"Vigil check-in: It is time for your check-in.' in text
    assert 'would say, twice: "Vigil urgent alert. Patient M L, day 2 after infusion.' in text
    assert "Press 1 to acknowledge." in text
    with caplog.at_level(logging.INFO):
        start = utcnow()
        for hours in (0, 0.5, *range(1, 49)):  # pages now; urgent chains call from step 2; reminders
            run_all_sweeps(start + timedelta(hours=hours))
    assert any(r.name == "vigil.voice" and "would say: Vigil urgent alert." in r.getMessage() for r in caplog.records)
    assert any(r.name == "vigil.push" and "Vigil check-in" in r.getMessage() for r in caplog.records)
