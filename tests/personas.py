"""Factories for the people in tests: centres, staff by role, patients and their phones."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Center, Patient, StaffUser
from app.services.staff import create_staff
from app.timesource import utcnow

PASSWORD = "correct-horse-battery"  # noqa: S105 - test only
_seq = itertools.count(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def make_center():
    def make(jurisdiction: str = "US", timezone: str = "America/New_York", name: str | None = None) -> Center:
        center = Center(
            name=name or f"Centre {next(_seq)}", timezone=timezone, jurisdiction=jurisdiction, phone="+16175550100"
        )
        db.session.add(center)
        db.session.commit()
        return center

    return make


@pytest.fixture
def make_staff():
    def make(role: str, center: Center | None, phone: str | None = None) -> StaffUser:
        n = next(_seq)
        user = create_staff(
            email=f"{role}{n}@example.org",
            password=PASSWORD,
            role=role,
            center_id=center.id if center else None,
            phone=phone or f"+1617555{n % 100:02d}{n // 100 % 100:02d}",
            name=f"{role.title()} {n}",
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def do(user: StaffUser) -> dict[str, str]:
        response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 200, response.json
        return bearer(response.json["access_token"])

    return do


@dataclass
class EnrolledPatient:
    patient: Patient
    headers: dict[str, str]

    @property
    def id(self) -> int:
        return self.patient.id


def patient_body(center: Center, **overrides) -> dict:
    n = next(_seq)
    body = {
        "mrn": f"MRN-{n}",
        "name": f"Patient {n}",
        "phone": f"+1617555{n % 100:02d}{(n // 100) % 100:02d}",
        "language": "en",
        "product": "yescarta",
        "infused_at": (utcnow() - timedelta(days=2)).isoformat(),
        "center_id": center.id,
        "caregiver_name": "Carer",
        "caregiver_phone": "+16175550199",
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_patient(client, login, make_staff):
    """Enroll a patient the way a nurse would, then redeem the code the way the phone would."""

    def make(center: Center, **overrides) -> EnrolledPatient:
        nurse = make_staff("nurse", center)
        created = client.post("/api/v1/patients", json=patient_body(center, **overrides), headers=login(nurse))
        assert created.status_code == 201, created.json
        enrolled = client.post("/api/v1/auth/enroll", json={"code": created.json["enrollment_code"]})
        assert enrolled.status_code == 200, enrolled.json
        return EnrolledPatient(db.session.get(Patient, created.json["id"]), bearer(enrolled.json["access_token"]))

    return make


def report_body(recorded_at=None, **blocks) -> dict:
    """A report body with a fresh client_id; blocks override vitals, neuro, ..."""
    import uuid

    body = {"client_id": str(uuid.uuid4()), "recorded_at": (recorded_at or utcnow()).isoformat()}
    body.update(blocks)
    return body


@pytest.fixture
def on_call(make_staff):
    """Put a (new) nurse of the centre on call from now on; returns the nurse."""
    from app.models import OnCallShift

    def make(center: Center, person: StaffUser | None = None) -> StaffUser:
        person = person or make_staff("nurse", center)
        db.session.add(OnCallShift(center_id=center.id, staff_id=person.id, starts_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
        return person

    return make
