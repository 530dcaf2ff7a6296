"""The audit trail: reads and changes of health data, who/what/when/where, append-only, admin
queries; logs carry no health values."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.personas import report_body


@pytest.fixture
def center(make_center):
    return make_center()


def test_reads_and_changes_are_recorded_and_admins_can_query_them(
    client, login, make_staff, center, make_patient, on_call
):
    on_call(center)
    patient = make_patient(center)
    nurse = make_staff("nurse", center)
    headers = login(nurse)
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 38.4}), headers=patient.headers)
    client.get(f"/api/v1/patients/{patient.id}", headers=headers)
    client.get(f"/api/v1/patients/{patient.id}/reports", headers=headers)
    client.patch(f"/api/v1/patients/{patient.id}", json={"language": "es"}, headers=headers)
    response = client.get(f"/api/v1/audit?patient_id={patient.id}", headers=login(make_staff("admin", None)))
    assert response.status_code == 200, response.json
    events = response.json
    actions = [e["action"] for e in events]
    assert {
        "patient.create",
        "patient.enroll",
        "report.create",
        "patient.read",
        "report.list",
        "patient.update",
    } <= set(actions)
    read = next(e for e in events if e["action"] == "patient.read")
    assert (read["actor_type"], read["actor_id"], read["remote_addr"]) == ("staff", nurse.id, "127.0.0.1")
    assert read["at"].startswith("2026-11-22T15:00")
    report_event = next(e for e in events if e["action"] == "report.create")
    assert report_event["actor_type"] == "patient"


def test_only_admins_read_the_audit(client, login, make_staff, center):
    assert client.get("/api/v1/audit", headers=login(make_staff("clinician", center))).status_code == 403


def test_audit_events_cannot_be_changed_or_deleted(client, login, make_staff, center, make_patient):
    make_patient(center)
    event = db.session.scalars(select(AuditEvent)).first()
    event.action = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalars(select(AuditEvent)).first())
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_to_change_audit_events_even_by_raw_sql(make_staff, center, make_patient):
    """Migration 0008: a trigger, so a script or a console session cannot rewrite history either.
    PostgreSQL refuses UPDATE and DELETE; SQLite (the development default) refuses UPDATE."""
    from sqlalchemy import func, text
    from sqlalchemy.exc import DatabaseError

    make_patient(center)
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(AuditEvent))
    statements = ["UPDATE audit_events SET action = 'rewritten'"]
    if db.engine.dialect.name == "postgresql":
        statements.append("DELETE FROM audit_events")
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "rewritten")) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == count > 0


def test_audit_details_and_logs_carry_no_health_values(client, make_center, make_patient, on_call, caplog):
    center = make_center()
    on_call(center)
    patient = make_patient(center)
    with caplog.at_level(logging.DEBUG):
        client.post(
            "/api/v1/me/reports",
            json=report_body(vitals={"temperature_c": 39.7, "spo2": 88}, note="feeling awful"),
            headers=patient.headers,
        )
    details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    app_logs = " ".join(r.getMessage() for r in caplog.records if not r.name.startswith("vigil.sms"))
    for value in ("39.7", "88", "feeling awful", patient.patient.name):
        assert value not in details
        assert value not in app_logs
