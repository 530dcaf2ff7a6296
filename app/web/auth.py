"""Sign-in and sign-out pages for the care team."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from app.extensions import db, limiter
from app.services import audit
from app.web.blueprints import staff_bp
from app.web.forms import SignInForm
from app.web.session import check_credentials, end_session, safe_next, signed_in, start_session


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


@staff_bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_auth_limit, methods=["POST"])
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        if signed_in() is not None:
            return redirect(safe_next(request.args.get("next")))
        form.next.data = request.args.get("next", "")
        return render_template("web/sign_in.html", form=form)
    error: str | None = "Enter your email and password."
    status = 400
    if form.validate_on_submit():
        user, error = check_credentials(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            audit.record("staff.sign_in", target_type="staff", target_id=user.id, details={"via": "web"})
            db.session.commit()
            return redirect(safe_next(form.next.data))
        status = 401
    return render_template("web/sign_in.html", form=form, error=error), status


@staff_bp.route("/sign-out", methods=["POST"])
def sign_out():
    # POST only, and the CSRF hook checks the token before any view: a forged link cannot sign anyone out.
    end_session()
    flash("You are signed out.", "success")
    return redirect(url_for("web.sign_in"))
