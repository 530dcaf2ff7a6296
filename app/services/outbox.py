"""The transactional outbox: queue messages with the change that causes them, and send them.

Claims are compare-and-set (`UPDATE ... WHERE state = 'pending'`, with `FOR UPDATE SKIP LOCKED`
on PostgreSQL) under a lease, so several dispatchers never send one row at once, and a
dispatcher killed between claim and send loses nothing: the lease expires and the row is
claimed again. Every attempt is recorded. Transient failures retry with exponential backoff and
jitter; permanent ones stop the message, and whoever the app factory named hears of it
(`when_not_delivered`: the opt-outs, then the escalation); the outbox knows nothing of them.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import bindparam, case, insert, select, update

from app.db import bulk, rowcount
from app.db.dialect import claim
from app.db.due import Due
from app.db.memo import cached
from app.db.notify import notify_at_commit
from app.extensions import db
from app.models import Alert, AttemptResult, DeliveryAttempt, Device, Notification, NotificationState, Patient
from app.notify import build_sender
from app.notify.base import PermanentSendError, SendError, SendResult, SmsSender
from app.notify.push import Push, PushSender, PushTokenGoneError, build_push_sender
from app.notify.voice import VoiceCaller, build_voice_caller
from app.services.devices import device_of, drop
from app.timesource import utcnow

log = logging.getLogger("vigil.outbox")

LEASE = timedelta(minutes=2)  # longer than any send (10 s timeout) takes
CLAIM_BATCH = 200
BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 600
MAX_ATTEMPTS_NON_PAGE = 8  # a reminder can give up; a clinical page never does while it matters
NOTIFY_CHANNEL = "vigil_outbox"


def queue(
    *,
    dedupe_key: str,
    purpose: str,
    to_phone: str,
    body: str,
    now: datetime,
    alert_id: int | None = None,
    patient_id: int | None = None,
    staff_id: int | None = None,
    extra: dict | None = None,
    escalation_step: int | None = None,
    escalation_round: int | None = None,
    known_new: bool = False,
    channel: str = "sms",
) -> Notification | dict | None:
    """Add a message to the outbox in the caller's transaction; None if that key is queued already.
    `known_new`: the key embeds something this transaction created (a new alert's id), so only
    this transaction can have queued it, and the database need not be asked (a burst queues
    thousands). Inside `bulk.buffered()` such a message is returned as the dict to be written
    when the block ends. `channel`: sms, push (to the patient's app, SMS if that fails) or call."""
    queued_here = cached(("outbox_keys",), set)
    if dedupe_key in queued_here:
        return None
    if (
        not known_new
        and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None
    ):
        return None
    queued_here.add(dedupe_key)
    _wake_dispatchers()
    columns = {
        "dedupe_key": dedupe_key,
        "purpose": purpose,
        "to_phone": to_phone,
        "body": body,
        "due_at": now,
        "alert_id": alert_id,
        "patient_id": patient_id,
        "staff_id": staff_id,
        "extra": extra or {},
        "escalation_step": escalation_step,
        "escalation_round": escalation_round,
        "channel": channel,
        "callback_token": secrets.token_urlsafe(24),
        "created_at": now,
    }
    if known_new and bulk.active():
        # Written by one executemany when the block ends, so the model's defaults are spelled out.
        return bulk.add(Notification, {**columns, "state": NotificationState.PENDING, "attempts": 0})
    row = Notification(**columns)
    db.session.add(row)
    return row


def _wake_dispatchers() -> None:
    notify_at_commit(NOTIFY_CHANNEL)  # the clock's dispatcher LISTENs (PostgreSQL; SQLite polls)


def backoff(attempts: int) -> timedelta:
    seconds = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # jitter spreads retry storms


URGENT_PURPOSES = ("page", "call", "watchdog")  # people paged for a patient: never behind reminders
ROUTINE_CLAIM = 50  # routine messages per claim: a page queued meanwhile waits ~1 s of sends, not 4


def messages_due(now: datetime) -> Due:
    """Pending messages whose time has come (a new one at once, a retry after its backoff)."""
    return Due(Notification.due_at, now, Notification.state, (NotificationState.PENDING,))


def leases_due(now: datetime) -> Due:
    """Messages being sent whose sender's lease ran out: it died mid-send."""
    return Due(Notification.lease_expires_at, now, Notification.state, (NotificationState.SENDING,), strictly=True)


def claim_due(now: datetime, limit: int = CLAIM_BATCH) -> list[tuple[int, str]]:
    """Claim up to `limit` due messages, pages first (after a burst or a reminder peak thousands
    of routine messages are due; a new page must not queue behind them). Returns (id, claim
    token) pairs, pages first, each group in the order it was queued."""
    token = secrets.token_hex(16)
    pages = _claim(now, token, limit, urgent=True)
    rest = _claim(now, token, min(limit, ROUTINE_CLAIM) - len(pages), urgent=False) if len(pages) < limit else []
    db.session.commit()
    return [(i, token) for i in [*sorted(pages), *sorted(rest)]]


def _claim(now: datetime, token: str, limit: int, *, urgent: bool) -> list[int]:
    if limit <= 0:
        return []
    purpose = Notification.purpose.in_(URGENT_PURPOSES) if urgent else Notification.purpose.not_in(URGENT_PURPOSES)
    due = claim(
        select(Notification.id).where(*messages_due(now).rows(), purpose).order_by(Notification.due_at).limit(limit)
    )
    # Two statements, not UPDATE ... WHERE id IN (subquery): PostgreSQL may run that as a nested
    # loop that re-runs the LIMITed subquery per row and claims every due row, not `limit`.
    ids = list(db.session.scalars(due))
    if not ids:
        return []
    return list(
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.state == NotificationState.PENDING)
            .values(
                state=NotificationState.SENDING,
                claim_token=token,
                lease_expires_at=now + LEASE,
                attempts=Notification.attempts + 1,
            )
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        ).scalars()
    )


def release_stale_leases(now: datetime) -> int:
    """Messages whose sender died mid-send go back to pending (at-least-once: for a page, a rare
    duplicate is better than a lost one)."""
    # A call Twilio has already told us about (its status callback named the call) was placed:
    # placing it again would ring the person twice for one step, so it counts as sent.
    expired = leases_due(now).rows()
    placed = rowcount(
        db.session.execute(
            update(Notification)
            .where(*expired, Notification.channel == "call", Notification.provider_sid.is_not(None))
            .values(state=NotificationState.SENT, sent_at=now, claim_token=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
    )
    if placed:
        log.warning("%d call(s) whose sender died were placed (Twilio called back): not placed again", placed)
    released = rowcount(
        db.session.execute(
            update(Notification)
            .where(*expired)
            .values(state=NotificationState.PENDING, claim_token=None, due_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if released:
        log.warning("released %d message(s) whose lease expired", released)
    return released


def unclaim(claims: list[tuple[int, str]]) -> int:
    """Give claimed messages that were never sent back to pending (a sender stopping cleanly);
    the claim's attempt is not counted. Only rows this claim still holds."""
    released = 0
    for notification_id, token in claims:
        released += rowcount(
            db.session.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.claim_token == token,
                    Notification.state == NotificationState.SENDING,
                )
                .values(
                    state=NotificationState.PENDING,
                    claim_token=None,
                    lease_expires_at=None,
                    attempts=Notification.attempts - 1,
                )
                .execution_options(synchronize_session=False)
            )
        )
    db.session.commit()
    return released


@dataclass
class DispatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    throttled: int = 0  # Twilio said 429: back to pending at its Retry-After, not an attempt
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.skipped + self.throttled

    def __str__(self) -> str:
        return (
            f"sent={self.sent} retrying={self.retrying} failed={self.failed} skipped={self.skipped}"
            f" throttled={self.throttled}"
        )


def sender() -> SmsSender:
    """One sender per process, built from the app's configuration."""
    if "vigil_sms_sender" not in current_app.extensions:
        current_app.extensions["vigil_sms_sender"] = build_sender(current_app.config)
    return current_app.extensions["vigil_sms_sender"]


def push_sender() -> PushSender:
    if "vigil_push_sender" not in current_app.extensions:
        current_app.extensions["vigil_push_sender"] = build_push_sender(current_app.config)
    return current_app.extensions["vigil_push_sender"]


def voice_caller() -> VoiceCaller:
    if "vigil_voice_caller" not in current_app.extensions:
        current_app.extensions["vigil_voice_caller"] = build_voice_caller(current_app.config)
    return current_app.extensions["vigil_voice_caller"]


def status_callback_url(row: Notification) -> str | None:
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/webhooks/twilio/status?n={row.callback_token}" if base else None


def voice_url(row: Notification, what: str) -> str:
    """The call's webhooks (`gather`, `status`), found again by the row's unguessable token."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/webhooks/twilio/voice/{what}?n={row.callback_token}"


def dispatch_due(now: datetime, limit: int = CLAIM_BATCH) -> DispatchResult:
    """Send up to `limit` due messages, claiming in small batches so that a page queued while
    routine messages go out is claimed ahead of the rest."""
    result = DispatchResult()
    while result.handled < limit:
        claimed = claim_due(now, limit - result.handled)
        if not claimed:
            break
        for notification_id, token in claimed:
            outcome = send_claimed(notification_id, token, now)
            setattr(result, outcome, getattr(result, outcome) + 1)
        if result.throttled:
            break  # Twilio asked us to slow down: what was claimed went out; claim no more this round
        now = max(now, utcnow())  # what was queued while these were sent is due too
    return result


# Twilio's ValidityPeriod bounds (seconds). A page is never given less than a minute: a shorter
# window would drop a page that is merely slow, and the next step pages someone else anyway.
VALIDITY_MIN, VALIDITY_MAX = 60, 36_000


def page_validity(row: Notification, now: datetime) -> int | None:
    """Seconds a page may wait in Twilio's queue: until its alert's chain moves to the next step,
    so a page stuck in a queue does not arrive after the chain has moved on. None for
    other messages and for a chain with no next step (Twilio's default then applies)."""
    if row.purpose != "page" or row.alert_id is None:
        return None
    alert = db.session.get(Alert, row.alert_id)
    return validity_seconds(alert.next_step_at, now) if alert is not None else None


def validity_seconds(next_step_at: datetime | None, now: datetime) -> int | None:
    if next_step_at is None:
        return None
    return max(VALIDITY_MIN, min(VALIDITY_MAX, int((next_step_at - now).total_seconds())))


@dataclass(frozen=True)
class Sent:
    """A routine text Twilio accepted, whose outcome the concurrent sender records in a batch
    with others (`record_sent_many`)."""

    notification_id: int
    token: str
    sid: str
    status: str
    at: datetime


DEFERRED = "deferred"  # send_claimed's outcome when the caller records the success itself


def send_claimed(
    notification_id: int,
    token: str,
    now: datetime,
    on_throttle: Callable[[float | None], None] | None = None,
    defer_sent: Callable[[Sent], None] | None = None,
) -> str:
    """Send one claimed message (outside any lock) and record the outcome. Returns the outcome.
    `on_throttle`: told Twilio's Retry-After when it answers 429 (the concurrent sender slows).
    `defer_sent`: a routine text that Twilio accepted is handed to it instead of being recorded
    here (the concurrent sender records several in one transaction); the outcome is DEFERRED.
    Pages, calls, watchdog texts and pushes are always recorded here, at once."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.state != NotificationState.SENDING or row.claim_token != token:
        return "skipped"
    to, body, callback, channel = row.to_phone, row.body, status_callback_url(row), row.channel
    batchable = defer_sent is not None and channel == "sms" and row.purpose not in URGENT_PURPOSES
    validity = page_validity(row, now)
    if channel == "call" and row.provider_sid:
        # An earlier attempt's outcome was lost (a timeout, a dead process), but Twilio's status
        # callback has named the call since: it was placed. Placing it again would ring the
        # person twice for one step.
        sid, status = row.provider_sid, row.provider_status or "initiated"
        db.session.commit()
        return _record_sent(notification_id, token, sid, status, now, channel="call")
    push = _push_for(row) if channel == "push" else None
    opted_out = channel == "push" and _patient_opted_out(row.patient_id)
    call = (
        (_call_twiml(body, row.extra.get("language", "en-US"), voice_url(row, "gather")), voice_url(row, "status"))
        if channel == "call"
        else None
    )
    db.session.commit()  # hold no transaction open across the network call
    if channel == "push":
        pushed = (
            _try_push(notification_id, row.patient_id, push, now)
            if push is not None and row.patient_id is not None
            else None
        )
        if pushed is not None:
            return _record_sent(notification_id, token, pushed.sid, pushed.status, now, channel="push")
        # No device, or FCM refused it: the same message goes by SMS in this same tick.
        channel = "sms"
        if opted_out:
            return _record_failure(
                notification_id,
                token,
                PermanentSendError(21610, "no app to push to, and the patient replied STOP to texts"),
                now,
                channel="push",
            )
    try:
        if call is not None:
            sent = voice_caller().call(to, call[0], status_callback=call[1])
        else:
            sent = sender().send(to, body, status_callback=callback, validity_period=validity)
    except SendError as exc:
        if exc.throttled and on_throttle is not None:
            on_throttle(exc.retry_after)
        return _record_failure(notification_id, token, exc, now, channel=channel)
    if batchable and defer_sent is not None and sent.sid:
        defer_sent(Sent(notification_id, token, sent.sid, sent.status, now))
        return DEFERRED
    return _record_sent(notification_id, token, sent.sid, sent.status, now, channel=channel)


def _call_twiml(text: str, language: str, gather_url: str) -> str:
    from app.notify.twilio_voice import call_twiml  # only a process that places calls loads the SDK

    return call_twiml(text, language, gather_url)


def _push_for(row: Notification) -> Push | None:
    device = device_of(row.patient_id) if row.patient_id else None
    if device is None:
        return None
    data = {key: str(value) for key, value in (row.extra.get("push_data") or {}).items()}
    return Push(
        token=device.token, title=row.extra.get("push_title", "Vigil"), body=row.extra.get("push_body", ""), data=data
    )


def _patient_opted_out(patient_id: int | None) -> bool:
    patient = db.session.get(Patient, patient_id) if patient_id else None
    return bool(patient and patient.sms_opted_out)


def _try_push(notification_id: int, patient_id: int, push: Push, now: datetime) -> SendResult | None:
    """Push to the app; None (after recording why) when the message must go by SMS instead."""
    try:
        result = push_sender().send(push)
    except SendError as exc:
        gone = isinstance(exc, PushTokenGoneError)
        db.session.add(
            DeliveryAttempt(
                notification_id=notification_id,
                at=now,
                channel="push",
                result=AttemptResult.PERMANENT_ERROR
                if gone or isinstance(exc, PermanentSendError)
                else AttemptResult.TRANSIENT_ERROR,
                error_message=str(exc)[:500],
            )
        )
        if gone:
            drop(patient_id, "fcm_token_gone", token=push.token)
        db.session.commit()
        log.warning("push for message %s failed (%s): sending it by SMS", notification_id, exc)
        return None
    db.session.execute(
        update(Device)
        .where(Device.patient_id == patient_id, Device.token == push.token)
        .values(last_push_at=now)
        .execution_options(synchronize_session=False)
    )
    return result


def _finish(notification_id: int, token: str, **values) -> bool:
    """Store an attempt's outcome if this worker still holds the claim (its token matches)."""
    changed = rowcount(
        db.session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.claim_token == token)
            .values(claim_token=None, lease_expires_at=None, **values)
            .execution_options(synchronize_session=False)
        )
    )
    return changed == 1


def _record_sent(
    notification_id: int, token: str, sid: str | None, status: str, now: datetime, *, channel: str = "sms"
) -> str:
    db.session.add(
        DeliveryAttempt(
            notification_id=notification_id, at=now, result=AttemptResult.SENT, provider_sid=sid, channel=channel
        )
    )
    # A status callback may have landed before this commit (Twilio is fast); keep what it said.
    still_sending = Notification.state == NotificationState.SENDING
    if _finish(
        notification_id,
        token,
        provider_sid=sid,
        sent_at=now,
        channel=channel,
        state=case((still_sending, NotificationState.SENT), else_=Notification.state),
        provider_status=case((still_sending, status), else_=Notification.provider_status),
    ):
        db.session.commit()
        return "sent"
    db.session.rollback()
    return "skipped"


_SENT_MANY = (
    update(Notification.__table__)
    .where(Notification.id == bindparam("b_id"), Notification.claim_token == bindparam("b_token"))
    .values(
        claim_token=None,
        lease_expires_at=None,
        provider_sid=bindparam("b_sid"),
        sent_at=bindparam("b_at"),
        channel="sms",
        # A status callback may have landed before this commit; keep what it said.
        state=case((Notification.state == NotificationState.SENDING, NotificationState.SENT), else_=Notification.state),
        provider_status=case(
            (Notification.state == NotificationState.SENDING, bindparam("b_status")), else_=Notification.provider_status
        ),
    )
)


def record_sent_many(sent: list[Sent]) -> list[str]:
    """Record several accepted texts in one transaction (one UPDATE executemany, one read, one
    INSERT executemany of their attempts, one commit), as `_record_sent` does one at a time:
    only where the claim is still this sender's. Twilio's SID, unique per accepted message, tells
    which updates landed. Returns each one's outcome, "sent" or "skipped"."""
    if not sent:
        return []
    db.session.execute(
        _SENT_MANY,
        [
            {"b_id": s.notification_id, "b_token": s.token, "b_sid": s.sid, "b_at": s.at, "b_status": s.status}
            for s in sent
        ],
    )
    landed = {
        (notification_id, sid)
        for notification_id, sid in db.session.execute(
            select(Notification.id, Notification.provider_sid).where(
                Notification.id.in_([s.notification_id for s in sent])
            )
        )
    }
    mine = [s for s in sent if (s.notification_id, s.sid) in landed]
    if mine:
        db.session.execute(
            insert(DeliveryAttempt.__table__),
            [
                {
                    "notification_id": s.notification_id,
                    "at": s.at,
                    "result": AttemptResult.SENT,
                    "provider_sid": s.sid,
                    "channel": "sms",
                }
                for s in mine
            ],
        )
    db.session.commit()
    recorded = {s.notification_id for s in mine}
    return ["sent" if s.notification_id in recorded else "skipped" for s in sent]


THROTTLE_WAIT_SECONDS = 1.0  # a 429 without Retry-After


def _record_failure(notification_id: int, token: str, exc: SendError, now: datetime, *, channel: str = "sms") -> str:
    if exc.throttled:
        return _record_throttled(notification_id, token, exc, now, channel=channel)
    permanent = isinstance(exc, PermanentSendError)
    code = str(exc.code) if exc.code is not None else None
    db.session.add(
        DeliveryAttempt(
            notification_id=notification_id,
            at=now,
            channel=channel,
            result=AttemptResult.PERMANENT_ERROR if permanent else AttemptResult.TRANSIENT_ERROR,
            error_code=code,
            error_message=str(exc)[:500],
        )
    )
    row = db.session.get_one(Notification, notification_id)
    gives_up = permanent or (row.purpose not in ("page", "call") and row.attempts >= MAX_ATTEMPTS_NON_PAGE)
    if gives_up:
        done = _finish(
            notification_id, token, state=NotificationState.FAILED, error_code=code, final_at=now, channel=channel
        )
    else:
        done = _finish(
            notification_id,
            token,
            state=NotificationState.PENDING,
            error_code=code,
            due_at=now + backoff(row.attempts),
            channel=row.channel,
        )  # a push that fell back to SMS tries the app again first
    if not done:
        db.session.rollback()
        return "skipped"
    log.warning("message %s %s: %s", notification_id, "failed" if gives_up else "will retry", exc)
    if gives_up:
        db.session.refresh(row)
        _not_delivered(row, now)
    db.session.commit()
    return "failed" if gives_up else "retrying"


def _record_throttled(notification_id: int, token: str, exc: SendError, now: datetime, *, channel: str) -> str:
    """Twilio refused for load (429): the request was not processed. The message goes back to
    pending when Twilio said to retry (Retry-After; without one, the usual exponential backoff)
    and never gives up on a 429, whatever its attempts: a storm of 429s slows the wave down, it
    never drops a reminder."""
    row = db.session.get_one(Notification, notification_id)
    wait = timedelta(seconds=exc.retry_after) if exc.retry_after is not None else backoff(row.attempts)
    code = str(exc.code) if exc.code is not None else "20429"
    db.session.add(
        DeliveryAttempt(
            notification_id=notification_id,
            at=now,
            channel=channel,
            result=AttemptResult.TRANSIENT_ERROR,
            error_code=code,
            error_message=str(exc)[:500],
        )
    )
    if not _finish(
        notification_id, token, state=NotificationState.PENDING, error_code=code, due_at=now + wait, channel=row.channel
    ):  # a push that fell back to SMS tries the app again first
        db.session.rollback()
        return "skipped"
    db.session.commit()
    return "throttled"


# Twilio's message states in order; a callback never moves a message backwards.
STATUS_ORDER = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}
FINAL_FAILURES = ("undelivered", "failed")
FINAL_STATES = (
    NotificationState.DELIVERED,
    NotificationState.UNDELIVERED,
    NotificationState.FAILED,
    NotificationState.CANCELLED,
)


def apply_status(row: Notification, status: str, error_code: str | None, now: datetime) -> bool:
    """Apply a delivery status callback: idempotent and monotonic (repeats, stragglers and
    out-of-order callbacks change nothing once a later or final state is known)."""
    rank = STATUS_ORDER.get(status.lower())
    if rank is None or row.state in FINAL_STATES:
        return False
    if rank <= STATUS_ORDER.get(row.provider_status or "", -1):
        return False
    status = status.lower()
    row.provider_status = status
    if status == "delivered":
        row.state, row.final_at = NotificationState.DELIVERED, now
    elif status in FINAL_FAILURES:
        row.state, row.final_at, row.error_code = status, now, error_code or row.error_code
        _not_delivered(row, now)
    return True


# ---- messages that reached nobody ----------------------------------------------------------

NotDelivered = Callable[[Notification, datetime], None]
_NOT_DELIVERED = "vigil_outbox_not_delivered"


def when_not_delivered(app: Flask, *handlers: NotDelivered) -> None:
    """Name who hears, in order and in the same transaction, of a message that failed for good
    or was not delivered (the app factory: opt-outs for Twilio's 21610, then the escalation)."""
    app.extensions[_NOT_DELIVERED] = handlers


def _not_delivered(row: Notification, now: datetime) -> None:
    for handler in current_app.extensions.get(_NOT_DELIVERED, ()):
        handler(row, now)


def cancel_pending(alert_id: int, now: datetime, purposes: tuple[str, ...] = ("page",)) -> int:
    return rowcount(
        db.session.execute(
            update(Notification)
            .where(
                Notification.alert_id == alert_id, Notification.state == "pending", Notification.purpose.in_(purposes)
            )
            .values(state=NotificationState.CANCELLED, final_at=now)
            .execution_options(synchronize_session=False)
        )
    )
