"""The states and statuses stored in the database, as one vocabulary.

Each is a `StrEnum` whose values are exactly the strings stored today, so a member equals the
stored string (`AlertStatus.OPEN == "open"`), binds as that string in SQL, serialises as it in
JSON, and no migration is needed. Code compares and assigns members, never bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class AlertStatus(StrEnum):
    """An alert's life: open until a person acknowledges it, resolved when closed (one active alert
    per patient means "not resolved")."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class EscalationState(StrEnum):
    """Where an alert's frozen chain is (Alert.escalation_state)."""

    PENDING = "pending"  # not started (routine alerts stay here)
    RUNNING = "running"  # climbing the chain; next_step_at says when it moves
    WAITING_DAYTIME = "waiting_daytime"  # a same-day alert waits for the centre's day to start
    PAGED_ONCE = "paged_once"  # a same-day alert: the on-call nurse paged once, no chain
    EXHAUSTED = "exhausted"  # every step paged, nobody acknowledged
    STOPPED = "stopped"  # acknowledged or resolved


# The chain still moves (typed as the stored strings it is compared with).
ESCALATING: tuple[str, ...] = (EscalationState.RUNNING, EscalationState.WAITING_DAYTIME)


class NotificationState(StrEnum):
    """An outbox row: pending -> sending -> sent -> delivered | undelivered | failed; cancelled
    before sending; unconfirmed when no delivery report came in time; a call is answered (a person
    picked up) or unanswered (no answer, busy or voicemail)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"


class AttemptResult(StrEnum):
    """One try at sending an outbox row (DeliveryAttempt.result)."""

    SENT = "sent"
    TRANSIENT_ERROR = "transient_error"  # tried again later
    PERMANENT_ERROR = "permanent_error"  # the row fails


class CheckInState(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    MISSED = "missed"
    EXCUSED = "excused"
    CANCELLED = "cancelled"


class PatientStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ConversationState(StrEnum):
    """An SMS check-in conversation (SmsConversation.state)."""

    ACTIVE = "active"
    DONE = "done"
    ESCALATED = "escalated"
    TIMED_OUT = "timed_out"
    STOPPED = "stopped"


def values(states: type[StrEnum]) -> tuple[str, ...]:
    """The stored strings, in declaration order (for validators and API descriptions)."""
    return tuple(member.value for member in states)
