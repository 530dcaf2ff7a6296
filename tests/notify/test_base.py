from __future__ import annotations

import pytest

from app.notify.base import (
    PermanentSendError,
    SendError,
    TransientSendError,
    classify_error,
)


@pytest.mark.parametrize(
    ("code", "http_status", "expected"),
    [
        (21211, 400, PermanentSendError),  # invalid To
        (21610, 400, PermanentSendError),  # recipient sent STOP
        (21614, 400, PermanentSendError),  # not a mobile
        (21408, 400, PermanentSendError),  # region not enabled
        (30003, None, PermanentSendError),  # from a status callback: no HTTP status
        (30005, None, PermanentSendError),
        (30006, None, PermanentSendError),
        (20429, 429, TransientSendError),
        (20429, 400, TransientSendError),  # a known transient code wins over the status
        (20500, 500, TransientSendError),
        (None, 503, TransientSendError),
        (None, 502, TransientSendError),
        (None, 429, TransientSendError),
        (None, 408, TransientSendError),
        (None, 400, PermanentSendError),
        (None, 404, PermanentSendError),
        (
            99999,
            403,
            PermanentSendError,
        ),  # unknown code, 4xx: the same request fails again
        (
            99999,
            None,
            TransientSendError,
        ),  # nothing known: try again rather than drop a page
        (None, None, TransientSendError),
    ],
)
def test_it_classifies_errors(code: int | None, http_status: int | None, expected: type[SendError]) -> None:
    assert classify_error(code, http_status) is expected


def test_a_send_error_says_what_happened() -> None:
    error = PermanentSendError(21211, "invalid To", http_status=400)

    assert isinstance(error, SendError)
    assert (error.code, error.message, error.http_status) == (21211, "invalid To", 400)
    assert str(error) == "invalid To code=21211 http=400"
    assert str(TransientSendError(None, "network: timeout")) == "network: timeout"
