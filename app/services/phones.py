"""One phone, one active patient: an inbound SMS must name exactly one patient, so no
two active patients (in any centre) share a phone, and a patient's phone is nobody else's
caregiver phone. A caregiver may look after two patients; their replies are matched to the
conversation Vigil opened, never to "the newest patient with this number"."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.db.dialect import advisory_lock
from app.extensions import db
from app.models import ConversationState, Notification, Patient, PatientStatus, SmsConversation
from app.services.errors import ConflictError

TAKEN = "Already the phone of another active patient (one phone, one active patient)."


def _active_other(exclude_id: int | None):
    query = select(Patient.id).where(Patient.status == PatientStatus.ACTIVE)
    return query.where(Patient.id != exclude_id) if exclude_id is not None else query


def _serialise_on(phones: list[str]) -> None:
    """Two enrolments of one number at the same moment must not both pass the check: on
    PostgreSQL each takes a transaction lock on the number first (SQLite has one writer anyway)."""
    for phone in sorted(set(phones)):
        advisory_lock(f"vigil-phone:{phone}")


def check_phones_free(phone: str | None, caregiver_phone: str | None, *, exclude_id: int | None = None) -> None:
    """409 naming the field when another active patient already answers on this number."""
    _serialise_on([p for p in (phone, caregiver_phone) if p])
    errors: dict[str, list[str]] = {}
    if (
        phone
        and db.session.scalar(
            _active_other(exclude_id).where(or_(Patient.phone == phone, Patient.caregiver_phone == phone)).limit(1)
        )
        is not None
    ):
        errors["phone"] = [TAKEN]
    if (
        caregiver_phone
        and db.session.scalar(_active_other(exclude_id).where(Patient.phone == caregiver_phone).limit(1)) is not None
    ):
        errors["caregiver_phone"] = [TAKEN]
    if errors:
        raise ConflictError(
            "This phone already belongs to another active patient.", code="duplicate_phone", fields=errors
        )


def patient_for_inbound(phone: str) -> Patient | None:
    """The active patient an SMS from `phone` is about, or None when Vigil cannot tell.

    In order: the active SMS conversation Vigil opened for a patient this number answers for;
    the active patient whose own phone it is; the patient of the last message Vigil sent to this
    number (a caregiver answering a reminder); the one patient it is the caregiver phone of."""
    answers_for = or_(Patient.phone == phone, Patient.caregiver_phone == phone)
    conversation = db.session.scalar(
        select(SmsConversation.patient_id)
        .join(Patient, Patient.id == SmsConversation.patient_id)
        .where(SmsConversation.state == ConversationState.ACTIVE, Patient.status == PatientStatus.ACTIVE, answers_for)
        .order_by(SmsConversation.updated_at.desc(), SmsConversation.id.desc())
        .limit(1)
    )
    if conversation is not None:
        return db.session.get(Patient, conversation)
    own = db.session.scalars(
        select(Patient).where(Patient.status == PatientStatus.ACTIVE, Patient.phone == phone).limit(2)
    ).all()
    if len(own) == 1:
        return own[0]
    if own:
        return None  # enrolled before phones were unique: ask rather than guess a centre
    last_sent = db.session.scalar(
        select(Notification.patient_id)
        .join(Patient, Patient.id == Notification.patient_id)
        .where(Notification.to_phone == phone, Patient.status == PatientStatus.ACTIVE, answers_for)
        .order_by(Notification.id.desc())
        .limit(1)
    )
    if last_sent is not None:
        return db.session.get(Patient, last_sent)
    cared_for = db.session.scalars(
        select(Patient).where(Patient.status == PatientStatus.ACTIVE, Patient.caregiver_phone == phone).limit(2)
    ).all()
    return cared_for[0] if len(cared_for) == 1 else None


def is_caregiver(patient: Patient, phone: str) -> bool:
    return phone != patient.phone and phone == patient.caregiver_phone


def is_known_patient_phone(phone: str) -> bool:
    return (
        db.session.scalar(
            select(Patient.id)
            .where(
                Patient.status == PatientStatus.ACTIVE, or_(Patient.phone == phone, Patient.caregiver_phone == phone)
            )
            .limit(1)
        )
        is not None
    )
