"""Staff sign-in for the web pages: a session cookie holding an API token.

The cookie carries one of the same opaque tokens the API issues, so the web and the API share one
rule set: tokens expire after a shift, signing out revokes the token server-side (a copied cookie
dies with it), and a disabled account stops working at its next request. Roles and centre scoping
are the API's too (app/services/actors.py, app/services/access.py).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for

from app.extensions import db
from app.models import StaffUser
from app.services import audit
from app.services.actors import STAFF_ROLES, Actor, staff_actor
from app.services.errors import ForbiddenError, NotAuthenticatedError
from app.services.login import issue_staff_token, sign_in
from app.services.tokens import find_live_token, revoke

SESSION_TOKEN = "staff_token"  # noqa: S105 - the session key's name, not a secret


def check_credentials(email: str, password: str) -> tuple[StaffUser | None, str | None]:
    """The user, or None and why; the same rule as POST /api/v1/auth/login (app.services.login)."""
    try:
        return sign_in(email, password), None
    except (ForbiddenError, NotAuthenticatedError) as refused:
        return None, refused.message


def start_session(user: StaffUser) -> None:
    raw, row = issue_staff_token(user)
    _fresh_session()  # nothing from before sign-in carries over (session fixation)
    session[SESSION_TOKEN] = raw
    session.permanent = True
    g.actor = Actor(token=row, staff=user)  # the sign-in's own audit event names who signed in


def end_session() -> None:
    row = find_live_token(session.get(SESSION_TOKEN) or "")
    if row is not None:
        revoke(row)
        db.session.commit()
    _fresh_session()


def _fresh_session() -> None:
    session.clear()
    # flask-wtf caches this request's CSRF token in g; a form rendered after this must get a new one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def signed_in() -> Actor | None:
    raw = session.get(SESSION_TOKEN)
    return staff_actor(raw) if isinstance(raw, str) else None


def safe_next(target: str | None) -> str:
    """Only a path on this site: `next` must not send a signed-in nurse to another host."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return target
    return url_for("web.queue")


def staff_required(*roles: str, fragment: bool = False):
    """Signed-in staff of these roles (default: every staff role). Pages send strangers to the
    sign-in page; fragments fetched by scripts answer 401 so the script can reload the page."""
    allowed = set(roles or STAFF_ROLES)

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            actor = signed_in()
            if actor is None:
                if fragment:
                    abort(401)
                return redirect(url_for("web.sign_in", next=request.full_path.rstrip("?")))
            if actor.kind not in allowed:
                abort(403, "Your role may not use this page.")
            g.actor = actor
            result = view(*args, **kwargs)
            if audit.is_platform_read():
                audit.platform_read()
            return result

        return wrapper

    return decorator


def current_staff() -> StaffUser:
    return g.actor.staff
