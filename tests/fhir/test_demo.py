"""Acceptance: every demo patient's Bundle validates as R4, and every demo alert's
hand-off document validates and its page renders."""

from __future__ import annotations

from sqlalchemy import select

from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.models import Alert, Patient
from tests.fhir.r4 import validate_bundle


def test_demo_patients_export_and_hand_off(client):
    load_demo()
    login = client.post("/api/v1/auth/login", json={"email": "clinician@vigil.demo", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    patients = db.session.scalars(select(Patient).order_by(Patient.id)).all()
    assert len(patients) == 4
    for patient in patients:
        bundle = client.get(f"/api/v1/patients/{patient.id}/fhir", headers=headers)
        assert bundle.status_code == 200
        validate_bundle(bundle.json)
        assert any(e["resource"]["resourceType"] == "Observation" for e in bundle.json["entry"]), patient.mrn
    alerts = db.session.scalars(select(Alert)).all()
    assert alerts, "the demo opens alerts"
    for alert in alerts:
        document = client.get(f"/api/v1/alerts/{alert.id}/handoff", headers=headers)
        assert document.status_code == 200
        validate_bundle(document.json)
        page = client.get(f"/api/v1/alerts/{alert.id}/handoff", headers={**headers, "Accept": "text/html"})
        assert page.status_code == 200 and "+16175550100" in page.get_data(as_text=True)
