from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.notify import LogSmsSender, build_sender
from app.notify.twilio_sms import TwilioSmsSender
from tests.support.fixtures import TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM_NUMBER
from tests.support.twilio_proxy import TwilioProxy

REPO_ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {
    "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID,
    "TWILIO_AUTH_TOKEN": TEST_AUTH_TOKEN,
}
SERVICE = {"TWILIO_MESSAGING_SERVICE_SID": "MG" + "ab" * 16}
FROM = {"TWILIO_FROM_NUMBER": TEST_FROM_NUMBER}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, LogSmsSender),
        ({**CREDENTIALS, **FROM}, TwilioSmsSender),
        ({**CREDENTIALS, **SERVICE}, TwilioSmsSender),
        (CREDENTIALS, LogSmsSender),  # no sender number or service
        ({**FROM, "TWILIO_ACCOUNT_SID": TEST_ACCOUNT_SID}, LogSmsSender),  # no token
        (
            {**CREDENTIALS, **FROM, "TWILIO_AUTH_TOKEN": ""},
            LogSmsSender,
        ),  # empty env var
        (
            {**CREDENTIALS, "TWILIO_FROM_NUMBER": None},
            LogSmsSender,
        ),  # as config.py yields
        ({**CREDENTIALS, **FROM, "SMS_BACKEND": "log"}, LogSmsSender),
        ({**CREDENTIALS, **FROM, "SMS_BACKEND": " Twilio "}, TwilioSmsSender),
        (
            {**CREDENTIALS, **FROM, "SMS_BACKEND": ""},
            TwilioSmsSender,
        ),  # empty: the default
    ],
)
def test_it_chooses_the_backend(config: dict, expected: type) -> None:
    assert type(build_sender(config)) is expected


@pytest.mark.parametrize(
    ("config", "missing"),
    [
        ({"SMS_BACKEND": "twilio"}, "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN"),
        (
            {"SMS_BACKEND": "twilio", **CREDENTIALS},
            "TWILIO_FROM_NUMBER or TWILIO_MESSAGING",
        ),
        (
            {"SMS_BACKEND": "twilio", **FROM, "TWILIO_ACCOUNT_SID": "AC1"},
            "TWILIO_AUTH_TOKEN",
        ),
    ],
)
def test_twilio_without_credentials_is_a_clear_error(config: dict, missing: str) -> None:
    with pytest.raises(ValueError, match=f"SMS_BACKEND=twilio needs {missing}"):
        build_sender(config)


def test_an_unknown_backend_is_an_error() -> None:
    with pytest.raises(ValueError, match="SMS_BACKEND must be one of log, twilio"):
        build_sender({"SMS_BACKEND": "pager"})


def test_it_reads_the_api_base_url() -> None:
    default = build_sender({**CREDENTIALS, **FROM})
    local = build_sender({**CREDENTIALS, **FROM, "TWILIO_API_BASE_URL": "http://127.0.0.1:4010/"})

    assert isinstance(default, TwilioSmsSender) and isinstance(local, TwilioSmsSender)
    assert default.http_client.api_base_url == "https://api.twilio.com"
    assert local.http_client.api_base_url == "http://127.0.0.1:4010"


def test_the_configured_sender_reaches_the_stand_in(twilio_config: dict[str, str], twilio_api: TwilioProxy) -> None:
    result = build_sender(twilio_config).send("+15558675310", "Vigil test page")

    assert result.status == "queued"
    assert twilio_api.messages(accepted=True)[0].form["To"] == "+15558675310"


def test_the_package_does_not_import_twilio() -> None:
    # A fresh interpreter: this test process has long imported twilio.
    code = "import sys, app.notify; print('twilio' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_only_twilio_sms_imports_twilio() -> None:
    importers = sorted(
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "app").rglob("*.py")
        if any(
            line.startswith(("import twilio", "from twilio")) for line in path.read_text(encoding="utf-8").splitlines()
        )
    )
    # Calls: Twilio Voice has its own module beside the SMS one.
    assert importers == ["app/notify/twilio_sms.py", "app/notify/twilio_voice.py"]


def test_the_push_and_voice_seams_import_no_sdk() -> None:
    code = (
        "import sys, app.notify.push, app.notify.voice, app.services.outbox; "
        "print('firebase_admin' in sys.modules, 'twilio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False False"
