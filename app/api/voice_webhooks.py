"""Twilio Voice webhooks for the calls of pages, signature-checked exactly like the
SMS ones: the Gather (the key pressed while the page is read out) and the call status callbacks.
Both find the call by the unguessable token in their URL; a forged or unknown request changes
nothing."""

from __future__ import annotations

from flask import Blueprint, Response, request

from app.api.webhooks import signed_by_twilio
from app.extensions import db
from app.models import Notification
from app.notify import call_script
from app.notify.twilio_voice import call_twiml, hangup, say
from app.services.calls import apply_call_status, keypress
from app.services.outbox import voice_url
from app.services.twilio_callbacks import call_for
from app.timesource import utcnow

bp = Blueprint("voice_webhooks", __name__, url_prefix="/webhooks/twilio/voice")


def _call() -> Notification | None:
    return call_for(request.args.get("n", ""))


def _xml(twiml: str) -> Response:
    return Response(twiml, mimetype="application/xml")


@bp.post("/gather")
@signed_by_twilio
def gather():
    row = _call()
    if row is None:
        return _xml(hangup())  # not ours: hang up, change nothing
    language = row.extra.get("language", "en-US")
    outcome = keypress(row, request.form.get("Digits", ""), utcnow())
    db.session.commit()
    if outcome == "again":  # any other key: read the page again and listen once more
        return _xml(call_twiml(row.body, language, voice_url(row, "gather")))
    text = call_script.acknowledged(language) if outcome == "acknowledged" else call_script.nothing_changed(language)
    return _xml(say(text, language))


@bp.post("/status")
@signed_by_twilio
def status():
    row = _call()
    if row is None:
        return Response(status=204)
    apply_call_status(
        row,
        request.form.get("CallStatus", ""),
        call_sid=request.form.get("CallSid") or None,
        answered_by=request.form.get("AnsweredBy") or None,
        error_code=request.form.get("ErrorCode") or None,
        now=utcnow(),
    )
    db.session.commit()
    return Response(status=204)
