"""Append-only audit trail (who, what, when, from where). Details never carry health values."""

from __future__ import annotations

from flask import g, has_request_context, request
from sqlalchemy import insert

from app.extensions import db
from app.models import AuditEvent
from app.timesource import utcnow


def record(
    action: str,
    *,
    patient_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    details: dict | None = None,
) -> None:
    actor = g.get("actor") if has_request_context() else None
    # A plain INSERT in the caller's transaction: nothing reads the row back, and every report
    # writes one, so the ORM's object bookkeeping would be pure cost.
    db.session.execute(
        insert(AuditEvent.__table__).values(
            actor_type=actor.audit_type if actor else ("anonymous" if has_request_context() else "system"),
            actor_id=actor.id if actor else None,
            action=action,
            patient_id=patient_id,
            target_type=target_type,
            target_id=target_id,
            remote_addr=request.remote_addr if has_request_context() else None,
            details=details or {},
            at=utcnow(),
        )
    )


def platform_read() -> None:
    """A platform administrator (an admin without a centre) read something: every such read may
    cross centres, so each is its own audit event, whatever the page or endpoint."""
    record("platform_admin.read", details={"endpoint": request.endpoint, "path": request.path})
    db.session.commit()


def is_platform_read() -> bool:
    actor = g.get("actor")
    staff = getattr(actor, "staff", None)
    return staff is not None and staff.is_platform_admin and request.method == "GET"
