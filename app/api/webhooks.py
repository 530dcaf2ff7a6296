"""Twilio webhooks: form-encoded, signed with X-Twilio-Signature.

The signature is checked against PUBLIC_BASE_URL + the path and query Twilio called, because
behind a proxy `request.url` is not the URL Twilio signed.
"""

from __future__ import annotations

import logging
from functools import wraps

from flask import Blueprint, Response, abort, current_app, request

from app.extensions import db
from app.notify.twilio_sms import twiml_message, validate_twilio_signature
from app.services.inbound import (
    AMBIGUOUS_SENDER,
    UNKNOWN_SENDER,
    handle_patient_sms,
    handle_staff_sms,
    opt_out_type,
    staff_by_phone,
)
from app.services.outbox import apply_status
from app.services.phones import is_known_patient_phone, patient_for_inbound
from app.services.twilio_callbacks import first_delivery, message_for_status
from app.timesource import utcnow

log = logging.getLogger("vigil.webhooks")
bp = Blueprint("webhooks", __name__, url_prefix="/webhooks/twilio")


def signed_by_twilio(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + request.full_path.rstrip("?")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not validate_twilio_signature(url, request.form.to_dict(), signature, token):
            log.warning("refused a webhook call with a bad or missing signature")
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def twiml(text: str | None) -> Response:
    return Response(twiml_message(text), mimetype="application/xml")


@bp.post("/status")
@signed_by_twilio
def status():
    """Delivery status of a message we sent, found by the unguessable token in its callback URL."""
    row = message_for_status(request.args.get("n", ""), request.form.get("MessageSid", ""))
    if row is None:
        return Response(status=204)  # not ours (or already purged): nothing to update, no retry wanted
    apply_status(row, request.form.get("MessageStatus", ""), request.form.get("ErrorCode") or None, utcnow())
    db.session.commit()
    return Response(status=204)


@bp.post("/inbound")
@signed_by_twilio
def inbound():
    """An SMS to our number: staff acknowledging pages, or a patient answering a check-in."""
    sender, body = request.form.get("From", ""), request.form.get("Body", "")
    keyword = opt_out_type(request.form.get("OptOutType"))
    if not first_delivery(request.form.get("MessageSid", ""), utcnow()):
        log.info("ignored a replayed inbound message")
        return twiml(None)  # handled already: a replay changes nothing and gets no second answer
    staff = staff_by_phone(sender)
    if staff:
        reply = handle_staff_sms(staff, body, utcnow(), keyword)
    else:
        patient = patient_for_inbound(sender)
        if patient is not None:
            reply = handle_patient_sms(patient, sender, body, utcnow(), keyword)
        elif is_known_patient_phone(sender):
            reply = AMBIGUOUS_SENDER
        else:
            reply = UNKNOWN_SENDER
    db.session.commit()
    return twiml(reply or None)
