"""Monitoring protocols: versioned, immutable once stored; dry-run before adopting."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.errors import ApiError
from app.api.openapi import conflict
from app.api.pagination import page
from app.api.security import current_staff, load_patient_for_staff, requires
from app.extensions import db
from app.models import Protocol
from app.protocols.content import validate_content
from app.schemas.protocol import (
    DefaultSchema,
    DryRunResultSchema,
    DryRunSchema,
    ProtocolCreateSchema,
    ProtocolListArgs,
    ProtocolOutSchema,
)
from app.services.access import protocol_for_staff
from app.services.protocol_admin import create_version, dry_run, set_default
from app.services.protocol_catalogue import center_exists, visible_query

blp = Blueprint("protocols", __name__, url_prefix="/api/v1/protocols", description="Monitoring protocols")


def load_protocol(protocol_id: int) -> Protocol:
    """A template or a version of a centre the caller may see; 404 otherwise, so a centre never
    learns that another centre's version exists."""
    return protocol_for_staff(current_staff(), protocol_id)


@blp.route("")
class Protocols(MethodView):
    @requires("staff")
    @blp.arguments(ProtocolListArgs, location="query")
    @blp.response(200, ProtocolOutSchema(many=True))
    def get(self, args):
        """The shipped templates (`center_id` null, read-only) and the caller's centre's own versions,
        newest first within a family."""
        query = visible_query(current_staff(), family=args.get("family"), current_only=bool(args.get("current")))
        return page(query, args)

    @requires("clinician", "admin")
    @blp.arguments(ProtocolCreateSchema)
    @blp.response(201, ProtocolOutSchema)
    @blp.doc(responses=conflict("The family exists; derive a version with `base_id` (`family_exists`)."))
    def post(self, data):
        """A new version of a protocol (`base_id`) or a new protocol (`family`) for the caller's centre
        (a platform administrator names `center_id`); validated, every problem named. A version made
        from a template belongs to the centre; `make_default` makes it the centre's default for its products."""
        base = load_protocol(data["base_id"]) if "base_id" in data else None
        protocol = create_version(
            base,
            data["content"],
            data.get("name"),
            current_staff(),
            family=data.get("family"),
            jurisdiction=data.get("jurisdiction"),
            products=data.get("products"),
            make_default=data["make_default"],
            center_id=data.get("center_id"),
        )
        db.session.commit()
        return protocol


@blp.route("/<int(max=2147483647):protocol_id>")
class ProtocolItem(MethodView):
    @requires("staff")
    @blp.response(200, ProtocolOutSchema)
    def get(self, protocol_id):
        """One protocol version with its full content."""
        return load_protocol(protocol_id)


@blp.route("/<int(max=2147483647):protocol_id>/default")
class ProtocolDefault(MethodView):
    @requires("clinician", "admin")
    @blp.arguments(DefaultSchema)
    @blp.response(200, ProtocolOutSchema)
    def put(self, data, protocol_id):
        """Make one of your centre's versions its default for new patients, or stop.

        The default per product is each centre's choice: a version marked default is the centre's
        default for each of its products (the newest such version wins); without one, the shipped
        template's. Shipped templates are read-only (409)."""
        protocol = load_protocol(protocol_id)
        set_default(protocol, data["is_default"])
        db.session.commit()
        return protocol


@blp.route("/<int(max=2147483647):protocol_id>/dry-run")
class ProtocolDryRun(MethodView):
    @requires("clinician", "admin")
    @blp.arguments(DryRunSchema)
    @blp.response(200, DryRunResultSchema)
    def post(self, data, protocol_id):
        """Replay stored reports of a period (a centre's, or one patient's) through this version, or through
        proposed `content`, and compare per level with what was raised. Changes nothing."""
        protocol = load_protocol(protocol_id)
        content = data.get("content", protocol.content)
        problems = validate_content(content, protocol.jurisdiction)
        if problems:
            raise ApiError(
                422, "The proposed content is not valid.", fields={f"content.{k}": v for k, v in problems.items()}
            )
        center_id, patient_id = _scope(data)
        result = dry_run(content, center_id=center_id, patient_id=patient_id, since=data["since"], until=data["until"])
        db.session.rollback()  # a dry run leaves no trace but its answer
        return result


def _scope(data: dict) -> tuple[int | None, int | None]:
    staff = current_staff()
    if "patient_id" in data:
        return None, load_patient_for_staff(data["patient_id"]).id
    center_id = data.get("center_id", staff.center_id)
    if center_id is None or not center_exists(center_id) or not staff.can_see_center(center_id):
        raise ApiError(422, "Not valid: center_id", fields={"center_id": ["No such centre, or not yours."]})
    return center_id, None
