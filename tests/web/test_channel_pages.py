"""The care team's pages show which channel reached whom, and when, and whether the patient's app
is reachable by push. Log backends: what matters here is what the pages say."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.extensions import db
from app.models import Notification
from app.scheduling.sweeps import run_all_sweeps
from app.timesource import utcnow
from tests.personas import report_body
from tests.support.fixtures import TEST_AUTH_TOKEN

DEVICE = {"platform": "android", "token": "fcm-token-" + "d" * 150, "app_version": "2.3.1"}


@pytest.fixture
def signing(app: Flask) -> Iterator[None]:
    saved = app.config.get("TWILIO_AUTH_TOKEN")
    app.config["TWILIO_AUTH_TOKEN"] = TEST_AUTH_TOKEN
    yield
    app.config["TWILIO_AUTH_TOKEN"] = saved


def post_signed(client, app, path: str, data: dict):
    url = app.config["PUBLIC_BASE_URL"].rstrip("/") + path
    signature = RequestValidator(TEST_AUTH_TOKEN).compute_signature(url, data)
    return client.post(path, data=data, headers={"X-Twilio-Signature": signature})


def table(html: str, table_id: str) -> list[str]:
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def facts(html: str) -> dict[str, str]:
    found = re.search(r'<dl class="facts" id="patient-facts">(.*?)</dl>', html, re.S).group(1)
    return {
        re.sub(r"<[^>]+>", "", dt).strip(): " ".join(re.sub(r"<[^>]+>", " ", dd).split())
        for dt, dd in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", found, re.S)
    }


def test_alert_and_patient_pages_show_the_channel_that_reached_each_person(
    app, client, signing, frozen_clock, make_center, make_staff, make_patient, on_call, web_sign_in
):
    center = make_center()
    nurse = on_call(center, make_staff("nurse", center, phone="+16175550141"))
    patient = make_patient(center)
    assert client.put("/api/v1/me/device", json=DEVICE, headers=patient.headers).status_code == 200
    opened = client.post("/api/v1/me/reports", json=report_body(neuro={"seizure": True}), headers=patient.headers)
    alert_id = opened.json["alert"]["id"]
    run_all_sweeps(utcnow())  # the default emergency chain calls and texts the on-call nurse
    call = db.session.scalar(
        select(Notification).where(
            Notification.alert_id == alert_id, Notification.purpose == "call", Notification.to_phone == nurse.phone
        )
    )
    frozen_clock.advance(minutes=1)
    post_signed(
        client,
        app,
        f"/webhooks/twilio/voice/status?n={call.callback_token}",
        {"CallSid": call.provider_sid, "CallStatus": "in-progress", "AnsweredBy": "human"},
    )
    assert (
        post_signed(
            client,
            app,
            f"/webhooks/twilio/voice/gather?n={call.callback_token}",
            {"CallSid": call.provider_sid, "Digits": "1"},
        ).status_code
        == 200
    )

    web_sign_in(make_staff("nurse", center))
    alert_rows = table(client.get(f"/alerts/{alert_id}").get_data(as_text=True), "timeline")
    [called] = [r for r in alert_rows if "Call — step 1" in r and "…0141" in r]
    assert "phone call" in called and "answered (pressed 1)" in called and "reached" in called
    [texted] = [r for r in alert_rows if "Page — step 1" in r and "…0141" in r]
    assert " SMS " in texted
    assert any("Acknowledged (via call)" in r for r in alert_rows)

    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert facts(html)["App"].startswith("reachable by push · android app 2.3.1 · registered")
    contacts = table(html, "patient-contacts")
    assert any("Call" in r and "phone call" in r and "answered" in r and "reached" in r for r in contacts)
    assert any("Page" in r and "SMS" in r for r in contacts)
    assert any("Patient told" in r and "patient" in r for r in contacts)

    client.delete("/api/v1/me/device", headers=patient.headers)
    html = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert facts(html)["App"] == "not reachable by push: reminders go by SMS"
