"""The patient's app registers where pushes reach it."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.security import current_patient, requires
from app.extensions import db
from app.models import PLATFORMS
from app.schemas.common import StrictSchema
from app.services import devices
from app.timesource import utcnow

blp = Blueprint(
    "devices", __name__, url_prefix="/api/v1/me", description="The signed-in patient's app as a push target"
)


class DeviceInSchema(StrictSchema):
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    # FCM registration tokens are about 160 characters; the bound only refuses garbage.
    token = fields.String(
        required=True,
        validate=validate.Length(min=20, max=4096),
        metadata={"description": "The app's Firebase Cloud Messaging registration token"},
    )
    app_version = fields.String(required=True, validate=validate.Length(min=1, max=32))


class DeviceOutSchema(Schema):
    platform = fields.String()
    app_version = fields.String()
    registered_at = fields.AwareDateTime()


@blp.route("/device")
class MyDevice(MethodView):
    @requires("patient")
    @blp.arguments(DeviceInSchema)
    @blp.response(200, DeviceOutSchema)
    def put(self, data):
        """Register (or replace) the app's push token. Reminders then come to the app, with SMS
        as the fallback; the token itself is never shown back."""
        device = devices.register(current_patient(), now=utcnow(), **data)
        db.session.commit()
        return device

    @requires("patient")
    @blp.response(204)
    def delete(self):
        """Sign-out: forget the app's push token; messages go by SMS again. Repeating is harmless."""
        devices.drop(current_patient().id, "signed_out")
        db.session.commit()
