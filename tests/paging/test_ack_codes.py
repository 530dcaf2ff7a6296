"""An ACK code names exactly one open alert, whoever texts it; wrong codes are
limited per phone; a reply never tells whether a code exists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, Center, Notification, Patient, Protocol
from tests.personas import report_body


@pytest.fixture
def two_centres(make_center, make_staff, on_call, make_patient, client):
    """Centres A and B, each with an on-call nurse, a clinician for step 2, and an SMS patient
    whose fever opened an urgent alert."""
    world = {}
    for n, name in enumerate(("A", "B")):
        centre = make_center("US", name=f"Centre {name}")
        nurse = on_call(centre, make_staff("nurse", centre, phone=f"+1617555{n}101"))
        clinician = make_staff("clinician", centre, phone=f"+1617555{n}102")
        admin = make_staff("admin", centre, phone=f"+1617555{n}103")
        patient = make_patient(centre, channel="sms")
        opened = client.post(
            "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patient.headers
        )
        assert opened.status_code == 201
        world[name] = {
            "centre": centre,
            "nurse": nurse,
            "clinician": clinician,
            "admin": admin,
            "alert": db.session.get(Alert, opened.json["alert"]["id"]),
        }
    return world


def _collide(world) -> str:
    """The fault injected on purpose: centre B's open alert gets centre A's code (an older pair
    issued before codes were unique across centres, or a collision)."""
    code = world["A"]["alert"].ack_code
    world["B"]["alert"].ack_code = code
    db.session.commit()
    return code


def _paged_at_step(alert_id: int, step: int) -> set[str]:
    return set(
        db.session.scalars(
            select(Notification.to_phone).where(
                Notification.alert_id == alert_id, Notification.purpose == "page", Notification.escalation_step == step
            )
        )
    )


def test_a_forced_collision_acknowledges_only_the_alert_meant_and_the_other_chain_keeps_running(
    two_centres, signed_post, tick, frozen_clock, make_staff
):
    code = _collide(two_centres)
    a, b = two_centres["A"], two_centres["B"]
    # Centre A's admin: on main any admin's ACK took the newest alert with the code, in any centre.
    reply = signed_post("/webhooks/twilio/inbound", {"From": a["admin"].phone, "Body": f"ACK {code}"})
    assert "Acknowledged" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Alert, a["alert"].id).status == "acknowledged"
    alert_b = db.session.get(Alert, b["alert"].id)
    assert (alert_b.status, alert_b.escalation_state) == ("open", "running")
    frozen_clock.advance(minutes=16)  # past step 1's wait: B's chain climbs to its clinicians
    tick()
    db.session.expire_all()
    assert b["clinician"].phone in _paged_at_step(b["alert"].id, 1)
    assert not _paged_at_step(a["alert"].id, 1)


def test_a_platform_admin_is_asked_when_a_code_matches_two_open_alerts(two_centres, signed_post, make_staff):
    code = _collide(two_centres)
    admin = make_staff("admin", None, phone="+16175559900")
    reply = signed_post("/webhooks/twilio/inbound", {"From": admin.phone, "Body": f"ACK {code}"}).get_data(as_text=True)
    assert "matches 2 open alerts (Centre A, Centre B)" in reply and "Nothing was acknowledged" in reply
    db.session.expire_all()
    assert {db.session.get(Alert, w["alert"].id).status for w in two_centres.values()} == {"open"}
    # Once A's alert is resolved the code names one alert again, and the platform admin may ACK it.
    alert_a = db.session.get(Alert, two_centres["A"]["alert"].id)
    alert_a.status = "resolved"
    db.session.commit()
    reply = signed_post("/webhooks/twilio/inbound", {"From": admin.phone, "Body": f"ACK {code}"})
    assert "Acknowledged" in reply.get_data(as_text=True)
    assert db.session.get(Alert, two_centres["B"]["alert"].id).status == "acknowledged"


def test_a_new_code_is_unique_across_every_centre_s_open_alerts(two_centres, client, make_patient):
    """Every four-digit code is taken by centre A's open alerts: centre B's next alert must get
    a longer one (codes used to be unique only within a centre)."""
    a = two_centres["A"]
    template = db.session.get(Patient, a["alert"].patient_id)
    conn = db.session.connection()
    protocol_id = db.session.scalar(select(Protocol.id).where(Protocol.id == template.protocol_id))
    infused = datetime(2026, 11, 20, tzinfo=UTC)
    now = datetime(2026, 11, 22, 15, tzinfo=UTC)
    taken = {a["alert"].ack_code, two_centres["B"]["alert"].ack_code}
    codes = [str(c) for c in range(1000, 10000) if str(c) not in taken]
    patients = Patient.__table__
    ids = (
        conn.execute(
            patients.insert().returning(patients.c.id),
            [
                {
                    "center_id": a["centre"].id,
                    "mrn": f"FILL-{c}",
                    "name": "F F",
                    "phone": "+16175550000",
                    "language": "en",
                    "timezone": "America/New_York",
                    "product": "yescarta",
                    "infused_at": infused,
                    "status": "completed",
                    "channel": "app",
                    "protocol_id": protocol_id,
                    "baseline": {},
                    "sms_opted_out": False,
                    "milestones_done": [],
                    "created_at": now,
                }
                for c in codes
            ],
        )
        .scalars()
        .all()
    )
    conn.execute(
        Alert.__table__.insert(),
        [
            {
                "patient_id": pid,
                "center_id": a["centre"].id,
                "kind": "report",
                "status": "acknowledged",
                "level": "same_day",
                "findings": [],
                "assessment": {},
                "thresholds_snapshot": {},
                "ack_code": code,
                "opened_at": now,
                "updated_at": now,
                "upgrade_count": 0,
                "escalation_snapshot": {},
                "escalation_state": "stopped",
                "escalation_step": 0,
                "escalation_round": 0,
                "fence": 0,
            }
            for pid, code in zip(ids, codes, strict=True)
        ],
    )
    db.session.commit()
    patient = make_patient(db.session.get(Center, two_centres["B"]["centre"].id))
    opened = client.post(
        "/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.6}), headers=patient.headers
    )
    code = db.session.get(Alert, opened.json["alert"]["id"]).ack_code
    assert len(code) > 4
    assert (
        db.session.scalar(
            select(sa.func.count()).select_from(Alert).where(Alert.ack_code == code, Alert.status != "resolved")
        )
        == 1
    )


def test_replies_never_tell_whether_a_code_exists(two_centres, signed_post, login, client):
    a, b = two_centres["A"], two_centres["B"]
    closed = a["alert"]
    client.post(f"/api/v1/alerts/{closed.id}/resolve", json={"disposition": "false_alarm"}, headers=login(a["nurse"]))
    other_centre_s = b["alert"].ack_code
    unknown = next(str(c) for c in range(1000, 10000) if str(c) not in {closed.ack_code, other_centre_s})

    def reply(code: str) -> str:
        text = signed_post("/webhooks/twilio/inbound", {"From": a["nurse"].phone, "Body": f"ACK {code}"})
        return text.get_data(as_text=True).replace(code, "CODE")

    assert reply(unknown) == reply(other_centre_s) == reply(closed.ack_code)
    assert db.session.get(Alert, b["alert"].id).status == "open"


def test_wrong_ack_codes_are_limited_per_phone_for_an_hour(two_centres, signed_post, frozen_clock):
    a, b = two_centres["A"], two_centres["B"]
    wrong = next(str(c) for c in range(1000, 10000) if str(c) not in {a["alert"].ack_code, b["alert"].ack_code})
    for _ in range(10):
        signed_post("/webhooks/twilio/inbound", {"From": a["nurse"].phone, "Body": f"ACK {wrong}"})
    refused = signed_post("/webhooks/twilio/inbound", {"From": a["nurse"].phone, "Body": f"ACK {a['alert'].ack_code}"})
    assert "Too many wrong ACK codes" in refused.get_data(as_text=True)
    assert db.session.get(Alert, a["alert"].id).status == "open"  # even the right code waits
    # Another phone is not held back by this one's mistakes.
    other = signed_post("/webhooks/twilio/inbound", {"From": b["nurse"].phone, "Body": f"ACK {b['alert'].ack_code}"})
    assert "Acknowledged" in other.get_data(as_text=True)
    frozen_clock.advance(minutes=61)
    again = signed_post("/webhooks/twilio/inbound", {"From": a["nurse"].phone, "Body": f"ACK {a['alert'].ack_code}"})
    assert "Acknowledged" in again.get_data(as_text=True)
