"""The benchmark's yardstick: validate one report body and insert one row, nothing else.

Registered only when VIGIL_BENCH=1, so production never serves it. `make bench` compares
POST /api/v1/me/reports against it in the same run, on the same database.
"""

from __future__ import annotations

from flask import Blueprint, request
from marshmallow import ValidationError

from app.api.errors import ApiError
from app.extensions import db
from app.models import AuditEvent
from app.schemas.report import ReportSchema

bp = Blueprint("bench", __name__)
_schema = ReportSchema()


@bp.post("/api/v1/bench/bare-insert")
def bare_insert():
    try:
        data = _schema.load(request.get_json())
    except ValidationError as exc:
        raise ApiError(422, "Not valid", fields=exc.messages_dict) from exc
    db.session.add(AuditEvent(actor_type="system", action="bench.bare", details={"client_id": data["client_id"]}))
    db.session.commit()
    return {"ok": True}, 201
