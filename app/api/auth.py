"""Staff login, patient enrollment, logout."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.api.errors import ApiError
from app.api.security import current_actor, requires
from app.extensions import db, limiter
from app.schemas.auth import EnrollSchema, LoginResultSchema, LoginSchema, LogoutResultSchema
from app.schemas.enroll import EnrollResultSchema
from app.services import audit
from app.services.enrollment import redeem
from app.services.login import attempt
from app.services.patients import patient_view
from app.services.tokens import issue_token, revoke

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
        user, refused = attempt(data["email"], data["password"])
        if refused == "locked":  # unknown emails lock the same way: this says nothing about who exists
            raise ApiError(403, "Too many failed sign-ins; try again in 15 minutes.", code="account_locked")
        if user is None:
            raise ApiError(401, "Email or password is wrong.", code="invalid_credentials")
        raw, token = issue_token(staff_id=user.id, lifetime=timedelta(hours=current_app.config["STAFF_TOKEN_HOURS"]))
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
