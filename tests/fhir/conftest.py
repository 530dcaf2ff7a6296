"""A demo patient for the FHIR tests: three reports over an hour (routine, urgent fever, then an
emergency with low SpO2, low BP, ICE 8 and confusion), the alert they open and upgrade, its pages
(one delivered) and an acknowledgement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from app.extensions import db
from app.models import Center, Notification, OnCallShift, StaffUser
from app.services.outbox import apply_status, dispatch_due
from app.timesource import utcnow
from tests.personas import EnrolledPatient

ALL_ZERO_SYMPTOMS = {"chills": 0, "headache": 0, "dizziness": 0, "fatigue": 1}
FULL_ICE = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}


def body(**blocks) -> dict:
    return {"client_id": str(uuid.uuid4()), "recorded_at": utcnow().isoformat(), **blocks}


@dataclass
class Demo:
    center: Center
    nurse: StaffUser
    staff_headers: dict[str, str]
    enrolled: EnrolledPatient
    report_ids: list[int] = field(default_factory=list)
    received: list[datetime] = field(default_factory=list)
    alert_id: int = 0

    @property
    def patient_id(self) -> int:
        return self.enrolled.id


@pytest.fixture
def post_report(client):
    def post(enrolled: EnrolledPatient, **blocks) -> dict:
        response = client.post("/api/v1/me/reports", json=body(**blocks), headers=enrolled.headers)
        assert response.status_code == 201, response.json
        return response.json

    return post


def _deliver_first_page(alert_id: int) -> None:
    dispatch_due(utcnow())
    page = db.session.query(Notification).filter_by(alert_id=alert_id, purpose="page").order_by(Notification.id).first()
    apply_status(page, "delivered", None, utcnow())
    db.session.commit()


@pytest.fixture
def demo(client, make_center, make_staff, make_patient, login, post_report, frozen_clock) -> Demo:
    center = make_center()
    nurse = make_staff("nurse", center)
    db.session.add(OnCallShift(center_id=center.id, staff_id=nurse.id, starts_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    demo = Demo(center=center, nurse=nurse, staff_headers=login(nurse), enrolled=make_patient(center))

    def report(**blocks) -> dict:
        answer = post_report(demo.enrolled, **blocks)
        demo.report_ids.append(answer["report"]["id"])
        demo.received.append(utcnow())
        frozen_clock.advance(minutes=30)
        return answer

    report(
        vitals={
            "temperature_c": 36.8,
            "heart_rate": 78,
            "systolic_bp": 122,
            "diastolic_bp": 76,
            "spo2": 98,
            "respiratory_rate": 16,
            "weight_kg": 72.4,
        },
        symptoms=ALL_ZERO_SYMPTOMS,
        neuro={"confusion": False, "ice": FULL_ICE},
    )
    urgent = report(
        vitals={"temperature_c": 38.6, "heart_rate": 112},
        symptoms={"chills": 2, "fatigue": 2},
        note="Shivering since lunch",
    )
    demo.alert_id = urgent["alert"]["id"]
    _deliver_first_page(demo.alert_id)
    emergency = report(
        vitals={"spo2": 89, "systolic_bp": 88, "diastolic_bp": 55, "respiratory_rate": 24, "weight_kg": 71.2},
        neuro={"confusion": True, "ice": {**FULL_ICE, "orientation": 2}},
        signs={"breathless_at_rest": True},
        reported_by="caregiver",
    )
    assert emergency["alert"] == {"id": demo.alert_id, "status": "open", "level": "emergency"}
    acked = client.post(f"/api/v1/alerts/{demo.alert_id}/ack", headers=demo.staff_headers)
    assert acked.status_code == 200, acked.json
    return demo
