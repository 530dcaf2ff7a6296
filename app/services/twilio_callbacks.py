"""Which stored message a Twilio callback is about, and whether an inbound SMS was seen before.

Callbacks name our message by the unguessable token in their URL (Twilio's own id as a fallback
for status callbacks); Twilio retries webhooks, so every inbound MessageSid is remembered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import InboundMessage, Notification


def message_for_status(token: str, message_sid: str) -> Notification | None:
    """The message a delivery-status callback is about, or None (not ours, or already purged)."""
    row = db.session.scalar(select(Notification).where(Notification.callback_token == token)) if token else None
    if row is None:
        row = (
            db.session.scalar(select(Notification).where(Notification.provider_sid == message_sid))
            if message_sid
            else None
        )
    return row


def call_for(token: str) -> Notification | None:
    """The call a Voice callback is about, or None."""
    if not token:
        return None
    return db.session.scalar(
        select(Notification).where(Notification.callback_token == token, Notification.channel == "call")
    )


def first_delivery(message_sid: str, now: datetime) -> bool:
    """Record the MessageSid; False when it was handled before (Twilio retries webhooks)."""
    if not message_sid:
        return True
    if db.session.scalar(select(InboundMessage.id).where(InboundMessage.message_sid == message_sid)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(InboundMessage(message_sid=message_sid[:64], received_at=now))
    except IntegrityError:  # the same message handled at this moment by another worker
        return False
    return True
