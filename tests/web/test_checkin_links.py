"""Signed check-in links: they name one check-in, refuse tampering and die with the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from app.services.checkin_links import CheckInLinkError, load_check_in, make_link, make_token


def test_a_link_opens_its_check_in_until_the_window_ends(app, make_center, make_patient, make_check_in, frozen_clock):
    check_in = make_check_in(make_patient(make_center()).patient)
    link = make_link(check_in)
    assert link.startswith(app.config["PUBLIC_BASE_URL"].rstrip("/") + "/c/")
    token = link.rsplit("/", 1)[1]
    assert len(link) < 120  # it shares one SMS with the reminder text
    assert load_check_in(token, frozen_clock.now).id == check_in.id
    assert load_check_in(token, check_in.window_ends_at - timedelta(seconds=1)).id == check_in.id
    with pytest.raises(CheckInLinkError) as refused:
        load_check_in(token, check_in.window_ends_at)
    assert refused.value.reason == "expired" and refused.value.check_in.id == check_in.id


@pytest.mark.parametrize(
    "tamper",
    [
        # A changed signature: its first character, since base64's last one may carry only padding bits
        # (changing it can decode to the same bytes, which made this case pass or fail by chance).
        lambda t: t[: t.rindex(".") + 1] + ("A" if t[t.rindex(".") + 1] != "A" else "B") + t[t.rindex(".") + 2 :],
        lambda t: "x" + t,  # a changed payload
        lambda t: t.split(".")[0],  # no signature at all
        lambda t: "",
        lambda t: "not-a-token",
    ],
)
def test_a_tampered_link_is_refused(make_center, make_patient, make_check_in, frozen_clock, tamper):
    token = make_token(make_check_in(make_patient(make_center()).patient))
    with pytest.raises(CheckInLinkError) as refused:
        load_check_in(tamper(token), frozen_clock.now)
    assert refused.value.reason == "invalid"


def test_a_token_signed_for_another_purpose_or_patient_is_refused(
    app, make_center, make_patient, make_check_in, frozen_clock
):
    center = make_center()
    check_in = make_check_in(make_patient(center).patient)
    other = make_patient(center).patient
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps(
        [check_in.id, check_in.patient_id]
    )
    wrong_patient = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="check-in-link").dumps(
        [check_in.id, other.id]
    )
    for token in (other_salt, wrong_patient):
        with pytest.raises(CheckInLinkError):
            load_check_in(token, frozen_clock.now)
