"""Staff login, patient enrollment, logout."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.security import current_actor, requires
from app.extensions import db, limiter
from app.schemas.auth import EnrollSchema, LoginResultSchema, LoginSchema, LogoutResultSchema
from app.schemas.enroll import EnrollResultSchema
from app.services import audit
from app.services.enrollment import redeem
from app.services.login import issue_staff_token, sign_in
from app.services.patients import patient_view
from app.services.tokens import revoke

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in and tokens")


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


@blp.route("/login")
class Login(MethodView):
    decorators = [limiter.limit(_auth_limit)]

    @blp.arguments(LoginSchema)
    @blp.response(200, LoginResultSchema)
    def post(self, data):
        """Staff sign-in with email and password."""
        user = sign_in(data["email"], data["password"])
        raw, token = issue_staff_token(user)
        db.session.commit()
        return {"access_token": raw, "expires_at": token.expires_at, "user": user}


@blp.route("/enroll")
class Enroll(MethodView):
    decorators = [limiter.limit(_auth_limit)]

    @blp.arguments(EnrollSchema)
    @blp.response(200, EnrollResultSchema)
    def post(self, data):
        """A patient's phone trades its one-time enrollment code for a token."""
        patient, raw, expires_at = redeem(data["code"])
        audit.record("patient.enroll", patient_id=patient.id, target_type="patient", target_id=patient.id)
        db.session.commit()
        return {"access_token": raw, "expires_at": expires_at, "patient": patient_view(patient)}


@blp.route("/logout")
class Logout(MethodView):
    @requires("staff", "patient")
    @blp.response(200, LogoutResultSchema)
    def post(self):
        """Revoke the presented token (a lost phone, the end of a shift)."""
        revoke(current_actor().token)
        db.session.commit()
        return {"revoked": True}
