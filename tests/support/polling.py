"""Wait for a condition with a deadline instead of sleeping a fixed time in tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 5.0,
    interval: float = 0.02,
    what: str = "",
) -> T:
    """Call `predicate` until it returns something truthy and return that; raise
    TimeoutError after `timeout` seconds. A short interval keeps tests fast."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"gave up after {timeout:.1f} s waiting for {what or predicate!r}")
        time.sleep(interval)
