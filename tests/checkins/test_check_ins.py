"""Check-ins from the protocol: schedule, completion, reminders, the missed ladder, protocol
switches and the end of the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, AuditEvent, CheckIn, Notification, Patient, Protocol
from app.scheduling.sweeps import run_all_sweeps
from tests.personas import report_body

NY = ZoneInfo("America/New_York")
INFUSED = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # 08:00 in New York, day 0


@pytest.fixture
def center(make_center):
    return make_center("US", "America/New_York")


@pytest.fixture
def nurse(center, on_call):
    return on_call(center)


def tick(now):
    return run_all_sweeps(now)


def check_ins(patient_id: int, *states: str) -> list[CheckIn]:
    query = select(CheckIn).where(CheckIn.patient_id == patient_id).order_by(CheckIn.due_at)
    if states:
        query = query.where(CheckIn.state.in_(states))
    return list(db.session.scalars(query))


def texts(patient: Patient, purpose: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.patient_id == patient.id, Notification.purpose == purpose)
        )
    )


def enroll(make_patient, center, frozen_clock, **kw):
    frozen_clock.set(INFUSED)
    return make_patient(center, infused_at=INFUSED.isoformat(), **kw)


def test_a_us_yescarta_patient_gets_daily_check_ins_for_days_0_to_7(make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock, product="yescarta")
    for day in range(0, 9):
        tick(INFUSED + timedelta(days=day))
    local = [(c.due_at.astimezone(NY).date() - INFUSED.astimezone(NY).date()).days for c in check_ins(enrolled.id)]
    days = sorted(set(local))
    assert set(range(0, 8)) <= set(days)
    times = {
        c.due_at.astimezone(NY).strftime("%H:%M")
        for c in check_ins(enrolled.id)
        if (c.due_at.astimezone(NY).date() - INFUSED.astimezone(NY).date()).days in range(1, 8)
    }
    assert times == {"08:00", "12:00", "16:00", "20:00"}  # the us-cd19 protocol's times


def test_the_schedule_is_a_rolling_horizon_not_months_of_rows(make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock)
    rows = check_ins(enrolled.id)
    assert rows and max(c.due_at for c in rows) <= INFUSED + timedelta(hours=48)


def test_new_york_check_ins_keep_local_times_across_the_november_dst_change(make_patient, center, nurse, frozen_clock):
    start = datetime(2026, 10, 29, 12, 0, tzinfo=UTC)
    frozen_clock.set(start)
    enrolled = make_patient(center, infused_at=start.isoformat(), product="kymriah")
    for hours in range(0, 24 * 6, 12):
        tick(start + timedelta(hours=hours))
    rows = check_ins(enrolled.id)
    before = [c for c in rows if c.due_at < datetime(2026, 11, 1, 6, tzinfo=UTC)]
    after = [c for c in rows if c.due_at > datetime(2026, 11, 1, 12, tzinfo=UTC)]
    assert {c.due_at.astimezone(NY).strftime("%H:%M") for c in before} <= {"08:00", "12:00", "16:00", "20:00"}
    assert {c.due_at.astimezone(NY).strftime("%H:%M") for c in after} <= {"08:00", "12:00", "16:00", "20:00"}
    assert {c.due_at.hour for c in before if c.due_at.astimezone(NY).hour == 8} == {12}  # EDT, UTC-4
    assert {c.due_at.hour for c in after if c.due_at.astimezone(NY).hour == 8} == {13}  # EST, UTC-5


def test_the_missed_ladder_reminds_then_asks_the_caregiver_then_alerts(make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock, language="es")
    patient = enrolled.patient
    first = next(c for c in check_ins(enrolled.id) if c.due_at > INFUSED + timedelta(hours=1))  # 12:00 local
    tick(first.due_at + timedelta(minutes=1))
    reminders = [n for n in texts(patient, "reminder") if n.dedupe_key.startswith(f"ci:{first.id}:")]
    assert [n.to_phone for n in reminders] == [patient.phone]
    assert "check-in" in reminders[0].body.lower() or "control" in reminders[0].body.lower()
    assert "/c/" in reminders[0].body  # the signed link to the mobile check-in page
    tick(first.due_at + timedelta(minutes=61))
    second = [n.to_phone for n in texts(patient, "second_reminder") if n.dedupe_key.startswith(f"ci:{first.id}:")]
    assert sorted(second) == sorted([patient.phone, patient.caregiver_phone])
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    tick(first.due_at + timedelta(minutes=121))
    db.session.refresh(first)
    assert first.state == "missed"
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == patient.id))
    assert (alert.kind, alert.level) == ("missed_check_in", "urgent")  # day 0: silence may mean trouble
    assert alert.findings[0]["rule"] == "R12_missed_check_in"
    page = db.session.scalar(
        select(Notification).where(Notification.alert_id == alert.id, Notification.purpose == "page")
    )
    assert page.to_phone == nurse.phone


def test_a_report_in_between_stops_the_ladder(client, make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock)
    first = next(c for c in check_ins(enrolled.id) if c.due_at > INFUSED + timedelta(hours=1))
    tick(first.due_at + timedelta(minutes=1))
    frozen_clock.set(first.due_at + timedelta(minutes=20))
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 36.9}), headers=enrolled.headers)
    db.session.refresh(first)
    assert first.state == "completed" and first.completed_report_id is not None
    tick(first.due_at + timedelta(minutes=130))
    assert texts(enrolled.patient, "second_reminder") == []
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0


def test_a_report_cancels_the_reminder_still_waiting_to_be_sent(client, make_patient, center, nurse, frozen_clock):
    from app.services.checkins import ladder_sweep

    enrolled = enroll(make_patient, center, frozen_clock)
    first = next(c for c in check_ins(enrolled.id) if c.due_at > INFUSED + timedelta(hours=1))
    ladder_sweep(first.due_at + timedelta(minutes=1))  # queued, not yet sent (no dispatch ran)
    db.session.commit()
    [reminder] = [n for n in texts(enrolled.patient, "reminder") if n.dedupe_key.startswith(f"ci:{first.id}:")]
    assert reminder.state == "pending"
    frozen_clock.set(first.due_at + timedelta(minutes=2))
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 36.8}), headers=enrolled.headers)
    db.session.refresh(reminder)
    assert reminder.state == "cancelled"


def test_a_late_report_closes_the_ladder_and_says_so_on_the_alert(client, make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock)
    first = next(c for c in check_ins(enrolled.id) if c.due_at > INFUSED + timedelta(hours=1))
    tick(first.due_at + timedelta(minutes=121))
    frozen_clock.set(first.due_at + timedelta(minutes=150))
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 36.9}), headers=enrolled.headers)
    db.session.refresh(first)
    assert first.state == "completed"
    alert = db.session.scalar(select(Alert).where(Alert.patient_id == enrolled.id))
    assert any(f["rule"] == "R12_check_in_answered_late" for f in alert.findings)
    assert any(e.kind == "check_in_answered_late" for e in alert.events)


def test_a_report_naming_its_check_in_completes_that_one(client, make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock)
    target = check_ins(enrolled.id)[1]
    frozen_clock.set(target.due_at + timedelta(minutes=5))
    client.post(
        "/api/v1/me/reports",
        json=report_body(vitals={"temperature_c": 36.9}, check_in_id=target.id),
        headers=enrolled.headers,
    )
    db.session.refresh(target)
    assert target.state == "completed"


def test_me_shows_the_next_check_in_and_what_it_asks(client, make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock)
    me = client.get("/api/v1/me", headers=enrolled.headers).json
    assert me["next_check_in"]["due_at"] is not None
    assert "vitals" in me["next_check_in"]["asks"] or "temperature" in me["next_check_in"]["asks"]
    assert me["phase"] == "days-0-7"
    listed = client.get("/api/v1/me/check-ins", headers=enrolled.headers).json
    assert listed[0]["state"] == "pending"


def test_switching_protocol_regenerates_only_future_check_ins_and_is_audited(
    client, login, make_patient, center, nurse, frozen_clock, make_staff
):
    enrolled = enroll(make_patient, center, frozen_clock)
    tick(INFUSED + timedelta(hours=5))  # the 12:00 check-in is past
    past = [c.id for c in check_ins(enrolled.id) if c.due_at < INFUSED + timedelta(hours=5)]
    us = db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19"))
    clinician = make_staff("clinician", center)
    created = client.post(
        "/api/v1/protocols",
        headers=login(clinician),
        json={
            "base_id": us.id,
            "name": "Twice a day",
            "content": {
                **us.content,
                "phases": [
                    {**us.content["phases"][0], "times": ["09:00", "19:00"], "asks_at": {}},
                    *us.content["phases"][1:],
                ],
            },
        },
    )
    assert created.status_code == 201, created.json
    frozen_clock.set(INFUSED + timedelta(hours=5))
    response = client.patch(
        f"/api/v1/patients/{enrolled.id}", json={"protocol_id": created.json["id"]}, headers=login(clinician)
    )
    assert response.status_code == 200
    rows = check_ins(enrolled.id)
    assert [c.id for c in rows if c.id in past] == past  # untouched
    future = [c for c in rows if c.due_at > frozen_clock.now]
    assert future and {c.due_at.astimezone(NY).strftime("%H:%M") for c in future} <= {"09:00", "19:00"}
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "patient.update"))
    assert (audit.actor_id, audit.details["protocol_id"]) == (clinician.id, created.json["id"])
    assert audit.at == frozen_clock.now  # who, and when


def test_withdrawing_a_patient_cancels_pending_check_ins(client, login, make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock)
    client.patch(f"/api/v1/patients/{enrolled.id}", json={"status": "withdrawn"}, headers=login(nurse))
    assert check_ins(enrolled.id, "pending") == []


def test_the_patient_is_told_on_the_day_restrictions_end(make_patient, center, nurse, frozen_clock):
    enrolled = enroll(make_patient, center, frozen_clock)
    patient = enrolled.patient
    tick(INFUSED + timedelta(days=13, hours=20))  # the day before: nothing yet
    assert texts(patient, "milestone") == []
    last_day = datetime(2026, 12, 6, 14, 1, tzinfo=UTC)  # 09:01 in New York on day 14
    tick(last_day)
    assert {n.dedupe_key.split(":")[-1] for n in texts(patient, "milestone")} == {"stay_near_center", "no_driving"}
    tick(datetime(2026, 12, 7, 5, 1, tzinfo=UTC))  # midnight after day 14: monitoring ends
    db.session.refresh(patient)
    assert "monitoring" in patient.milestones_done
    assert patient.status == "active"  # us-cd19 continues with its late phase, to day 365
    last_phase_over = datetime(2027, 11, 23, 5, 0, tzinfo=UTC)  # midnight after day 365 in New York
    assert patient.next_milestone_at == last_phase_over
    tick(last_phase_over + timedelta(minutes=1))
    db.session.refresh(patient)
    assert (patient.status, patient.next_milestone_at) == ("completed", None)
    ended = [n for n in texts(patient, "milestone") if n.dedupe_key.endswith(":ended")]
    assert len(ended) == 1 and "wallet card" in ended[0].body
    assert check_ins(patient.id, "pending") == []


def test_a_protocol_with_no_later_phase_completes_the_patient_when_the_window_ends(
    client, login, make_staff, make_patient, center, nurse, frozen_clock
):
    base = db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19"))
    window_only = [p for p in base.content["phases"] if p["to_day"] is not None and p["to_day"] <= 14]
    assert window_only[-1]["to_day"] == 14
    created = client.post(
        "/api/v1/protocols",
        json={"base_id": base.id, "name": "Window only", "content": {**base.content, "phases": window_only}},
        headers=login(make_staff("clinician", center)),
    )
    assert created.status_code == 201, created.json
    enrolled = enroll(make_patient, center, frozen_clock, protocol_id=created.json["id"], language="es")
    patient = enrolled.patient
    tick(datetime(2026, 12, 7, 4, 59, tzinfo=UTC))  # 23:59 on day 14 in New York
    db.session.refresh(patient)
    assert patient.status == "active"
    tick(datetime(2026, 12, 7, 5, 1, tzinfo=UTC))  # the window has ended, and with it the schedule
    db.session.refresh(patient)
    assert (patient.status, patient.next_milestone_at) == ("completed", None)
    told = {n.dedupe_key.split(":")[-1]: n.body for n in texts(patient, "milestone")}
    assert set(told) == {"stay_near_center", "no_driving", "ended"}  # not "less frequent check-ins"
    assert "tarjeta de billetera" in told["ended"]


def test_the_schedule_sweep_reads_only_patients_whose_horizon_runs_short(make_patient, center, nurse, frozen_clock):
    from app.services.checkins import schedule_sweep

    enroll(make_patient, center, frozen_clock)
    assert schedule_sweep(INFUSED + timedelta(hours=1)) == 0  # horizon is 48 h ahead: nothing to do
    assert schedule_sweep(INFUSED + timedelta(hours=30)) > 0


def test_excused_check_ins_are_neither_reminded_nor_missed_and_come_back_when_the_excusal_ends(
    client, login, make_patient, center, nurse, frozen_clock
):
    """Readmitted to hospital on day 0 for two days: no reminders, no missed alerts, no pages;
    check-ins generated meanwhile for the excused stretch are excused too; afterwards the
    ladder runs again. Ending it early gives the later check-ins back."""
    enrolled = enroll(make_patient, center, frozen_clock)
    until = INFUSED + timedelta(days=2)
    excused = client.patch(
        f"/api/v1/patients/{enrolled.id}",
        headers=login(nurse),
        json={"check_ins_excused_until": until.isoformat(), "check_ins_excused_reason": "Readmitted with CRS"},
    )
    assert excused.status_code == 200, excused.json
    assert excused.json["check_ins_excused_until"] == until.isoformat()
    assert excused.json["check_ins_excused_reason"] == "Readmitted with CRS"
    assert check_ins(enrolled.id, "pending") == []
    for hours in range(1, 48, 2):
        tick(INFUSED + timedelta(hours=hours))
    assert texts(enrolled.patient, "reminder") == [] and texts(enrolled.patient, "second_reminder") == []
    assert db.session.scalar(select(func.count()).select_from(Alert)) == 0
    assert {c.state for c in check_ins(enrolled.id) if c.due_at < until} == {"excused"}
    after = [c for c in check_ins(enrolled.id) if c.due_at >= until]
    assert after and {c.state for c in after} == {"pending"}  # the horizon grew past the excusal
    first_after = after[0]
    tick(first_after.window_ends_at + timedelta(minutes=1))
    db.session.refresh(first_after)
    assert first_after.state == "missed"  # the ladder is back: silence after the stay is a warning again
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "patient.update")).all()
    assert ["check_ins_excused_reason", "check_ins_excused_until"] in [a.details["fields"] for a in audit]


def test_ending_an_excusal_early_gives_the_future_check_ins_back(
    client, login, make_patient, center, nurse, frozen_clock
):
    enrolled = enroll(make_patient, center, frozen_clock)
    headers = login(nurse)
    client.patch(
        f"/api/v1/patients/{enrolled.id}",
        headers=headers,
        json={"check_ins_excused_until": (INFUSED + timedelta(days=2)).isoformat()},
    )
    frozen_clock.set(INFUSED + timedelta(hours=6))  # discharged the same afternoon
    ended = client.patch(f"/api/v1/patients/{enrolled.id}", headers=headers, json={"check_ins_excused_until": None})
    assert ended.status_code == 200
    assert (ended.json["check_ins_excused_until"], ended.json["check_ins_excused_reason"]) == (None, None)
    rows = check_ins(enrolled.id)
    assert {c.state for c in rows if c.due_at > frozen_clock.now} == {"pending"}
    assert {c.state for c in rows if c.due_at <= frozen_clock.now} == {"excused"}  # the past stays as it was
    assert ended.json["next_check_in"]["due_at"] > frozen_clock.now.isoformat()


def test_an_excusal_cancels_the_reminders_already_queued(client, login, make_patient, center, nurse, frozen_clock):
    from app.services.checkins import ladder_sweep

    enrolled = enroll(make_patient, center, frozen_clock)
    first = next(c for c in check_ins(enrolled.id) if c.due_at > INFUSED + timedelta(hours=1))
    ladder_sweep(first.due_at + timedelta(minutes=1))  # queued, not yet sent (no dispatch ran)
    db.session.commit()
    [reminder] = [n for n in texts(enrolled.patient, "reminder") if n.dedupe_key.startswith(f"ci:{first.id}:")]
    frozen_clock.set(first.due_at + timedelta(minutes=2))
    client.patch(
        f"/api/v1/patients/{enrolled.id}",
        headers=login(nurse),
        json={"check_ins_excused_until": (frozen_clock.now + timedelta(days=1)).isoformat()},
    )
    db.session.refresh(reminder)
    db.session.refresh(first)
    assert (reminder.state, first.state) == ("cancelled", "excused")


def test_a_protocol_switch_during_an_excusal_keeps_only_the_new_protocols_check_ins_excused(
    client, login, make_staff, make_patient, center, nurse, frozen_clock
):
    enrolled = enroll(make_patient, center, frozen_clock)
    until = INFUSED + timedelta(days=1)
    client.patch(
        f"/api/v1/patients/{enrolled.id}", headers=login(nurse), json={"check_ins_excused_until": until.isoformat()}
    )
    us = db.session.scalar(select(Protocol).where(Protocol.family == "us-cd19"))
    clinician = login(make_staff("clinician", center))
    created = client.post(
        "/api/v1/protocols",
        headers=clinician,
        json={
            "base_id": us.id,
            "name": "Twice a day",
            "content": {
                **us.content,
                "phases": [
                    {**us.content["phases"][0], "times": ["09:00", "19:00"], "asks_at": {}},
                    *us.content["phases"][1:],
                ],
            },
        },
    )
    assert created.status_code == 201, created.json
    switched = client.patch(
        f"/api/v1/patients/{enrolled.id}", headers=clinician, json={"protocol_id": created.json["id"]}
    )
    assert switched.status_code == 200
    future = [c for c in check_ins(enrolled.id) if c.due_at > frozen_clock.now]
    assert {c.due_at.astimezone(NY).strftime("%H:%M") for c in future} <= {"09:00", "19:00"}  # no old rows left
    assert {c.state for c in future if c.due_at < until} == {"excused"}
    assert {c.state for c in future if c.due_at >= until} == {"pending"}


@pytest.mark.parametrize(
    ("until", "words"),
    [
        (timedelta(minutes=-1), "in the future"),
        (timedelta(days=30, minutes=1), "At most 30 days"),
        ("2026-11-25T10:00:00", "aware datetime"),
        ("tomorrow", "datetime"),
    ],
)
def test_a_bad_excusal_is_refused_by_name_and_changes_nothing(
    client, login, make_patient, center, nurse, frozen_clock, until, words
):
    enrolled = enroll(make_patient, center, frozen_clock)
    before = [(c.id, c.state) for c in check_ins(enrolled.id)]
    value = (frozen_clock.now + until).isoformat() if isinstance(until, timedelta) else until
    response = client.patch(
        f"/api/v1/patients/{enrolled.id}", headers=login(nurse), json={"check_ins_excused_until": value}
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["check_ins_excused_until"]
    assert words.lower() in " ".join(response.json["error"]["fields"]["check_ins_excused_until"]).lower()
    assert [(c.id, c.state) for c in check_ins(enrolled.id)] == before
    db.session.refresh(enrolled.patient)
    assert enrolled.patient.check_ins_excused_until is None
