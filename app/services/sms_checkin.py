"""SMS check-in conversations: the questions one at a time in the patient's language,
lenient parsing, one re-ask, and the answers recorded as one report through the same service and
rules as the app. An urgent finding ends the questions at once: the patient gets the instruction
and the team is paged, without waiting for the rest.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from app.db.due import Due
from app.extensions import db
from app.models import CheckIn, ConversationState, Patient, SmsConversation
from app.rules import Level
from app.services import outbox
from app.services.grading import grade
from app.services.reachability import phone_or_fallback
from app.services.reports import new_report, record_report
from app.sms import parse
from app.sms.questions import DANGER_CHOICES, NEURO_CHOICES, questions_for, text

log = logging.getLogger("vigil.sms_checkin")

MEASUREMENTS = ("temperature", "blood_pressure", "heart_rate", "spo2")  # question keys = not_measured names
UNSCHEDULED_WINDOW = timedelta(hours=2)  # a patient who texts on their own gets a check-in this long


def active_conversation(patient_id: int, *, lock: bool = False) -> SmsConversation | None:
    query = (
        select(SmsConversation)
        .where(SmsConversation.patient_id == patient_id, SmsConversation.state == ConversationState.ACTIVE)
        .order_by(SmsConversation.id.desc())
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def start(
    patient: Patient, now: datetime, check_in: CheckIn | None = None, *, send_first_question: bool = True
) -> SmsConversation:
    """Open a conversation and queue its first question (replacing any unfinished one)."""
    previous = active_conversation(patient.id, lock=True)
    if previous is not None:
        finish_timed_out(previous, now)
    conversation = SmsConversation(
        patient_id=patient.id,
        check_in_id=check_in.id if check_in else None,
        state=ConversationState.ACTIVE,
        questions=questions_for(check_in.asks if check_in else []),
        answers={},
        answered=[],
        retries=0,
        started_at=now,
        updated_at=now,
        expires_at=check_in.window_ends_at if check_in else now + UNSCHEDULED_WINDOW,
    )
    db.session.add(conversation)
    db.session.flush()
    if not send_first_question:
        return conversation
    first = text(patient.language, "intro") + " " + text(patient.language, conversation.questions[0])
    outbox.queue(
        dedupe_key=f"sms-ci:{conversation.id}:start",
        purpose="conversation",
        to_phone=patient.phone,
        body=first,
        now=now,
        patient_id=patient.id,
    )
    return conversation


# ---- answers -------------------------------------------------------------------------------


def _put(answers: dict, block: str, values: dict) -> dict:
    return {**answers, block: {**answers.get(block, {}), **values}}


def _apply(key: str, reply: str, answers: dict) -> tuple[dict, list[str]] | None:
    """The answers with this reply folded in and any follow-up questions; None if not understood."""
    if key in MEASUREMENTS and parse.is_cant_measure(reply):
        # Stored as the app's not_measured answer: R12 and every page show it as "can't measure".
        return {**answers, "not_measured": sorted({*answers.get("not_measured", []), key})}, []
    if key == "temperature":
        temperature = parse.temperature(reply)
        field = "temperature_c" if temperature and temperature[1] == "C" else "temperature_f"
        return (_put(answers, "vitals", {field: temperature[0]}), []) if temperature else None
    if key == "blood_pressure":
        pressure = parse.blood_pressure(reply)
        return (
            (_put(answers, "vitals", {"systolic_bp": pressure[0], "diastolic_bp": pressure[1]}), [])
            if pressure
            else None
        )
    if key in ("heart_rate", "spo2"):
        low, high = (20, 250) if key == "heart_rate" else (50, 100)
        number = parse.whole_number(reply, low, high)
        return (_put(answers, "vitals", {key: number}), []) if number is not None else None
    if key in ("headache", "diarrhea", "abdominal_pain"):  # 0-4 PRO-CTCAE answers (S2)
        score = parse.whole_number(reply, 0, 4)
        return (_put(answers, "symptoms", {key: score}), []) if score is not None else None
    if key == "limb_side":
        if parse.is_unknown(reply):
            return answers, []  # not known: the rules count it as urgent (R9), never as "both sides"
        side = parse.yes_no(reply)
        return (_put(answers, "neuro", {"limb_weakness_one_side": side}), []) if side is not None else None
    if key in ("neuro", "danger", "breathing"):
        return _apply_yes_no(key, parse.yes_no(reply), answers)
    return _apply_choice(key, reply, answers)


def _apply_yes_no(key: str, yes: bool | None, answers: dict) -> tuple[dict, list[str]] | None:
    if yes is None:
        return None
    if key == "breathing":
        return _put(answers, "signs", {"breathless_at_rest": yes}), []
    if yes:
        return answers, [f"{key}_which"]
    fields = NEURO_CHOICES if key == "neuro" else [name for _, name in DANGER_CHOICES]
    return _put(answers, "neuro", dict.fromkeys(fields, False)), []


def _apply_choice(key: str, reply: str, answers: dict) -> tuple[dict, list[str]] | None:
    fields = list(NEURO_CHOICES) if key == "neuro_which" else [name for _, name in DANGER_CHOICES]
    picked = parse.choices(reply, len(fields))
    if picked is None:
        return None
    limb = fields.index("limb_numbness_or_weakness") + 1 if key == "neuro_which" else None
    follow_ups = ["limb_side"] if limb in picked else []
    return _put(answers, "neuro", {name: i + 1 in picked for i, name in enumerate(fields)}), follow_ups


# ---- the conversation ----------------------------------------------------------------------


def handle_reply(patient: Patient, body: str, now: datetime) -> str:
    """Take one reply; returns what to text back (the next question, or the outcome)."""
    conversation = active_conversation(patient.id, lock=True)
    if conversation is None:
        return _unprompted(patient, body, now)
    key = conversation.questions[0]
    result = None if parse.is_skip(body) and key != "temperature" else _apply(key, body, conversation.answers)
    prefix = ""
    if result is None and not parse.is_skip(body):
        conversation.retries += 1
        if conversation.retries < 2:
            conversation.updated_at = now
            return text(patient.language, "again") + " " + text(patient.language, key)
        prefix = text(patient.language, "skipped") + " "
    answers, follow_ups = result or (conversation.answers, [])
    conversation.answers, conversation.retries, conversation.updated_at = answers, 0, now
    conversation.answered = [*conversation.answered, key]
    conversation.questions = [*follow_ups, *conversation.questions[1:]]
    # The side of a weak limb decides urgent or emergency (R9/R11), so it is asked before stopping.
    if conversation.questions[:1] != ["limb_side"] and _urgent_so_far(patient, conversation, now):
        return prefix + _finish(patient, conversation, now, state=ConversationState.ESCALATED)
    if not conversation.questions:
        return prefix + _finish(patient, conversation, now, state=ConversationState.DONE)
    return prefix + text(patient.language, conversation.questions[0])


def _unprompted(patient: Patient, body: str, now: datetime) -> str:
    """A text outside a check-in: a temperature starts one (as its first answer), CHECK starts one,
    anything else gets the help text."""
    if parse.temperature(body) is not None:
        start(patient, now, send_first_question=False)
        return handle_reply(patient, body, now)
    if parse.is_start_word(body):
        start(patient, now)
        return ""  # the first question is already on its way
    return text(patient.language, "help", phone=phone_or_fallback(patient.center, patient.language))


def _body(conversation: SmsConversation, now: datetime) -> dict:
    return {
        "client_id": f"sms-{conversation.id}",
        "recorded_at": now,
        "reported_by": "patient",
        "check_in_id": conversation.check_in_id,
        **conversation.answers,
    }


def _urgent_so_far(patient: Patient, conversation: SmsConversation, now: datetime) -> bool:
    if not conversation.answers:
        return False
    draft = new_report(patient, _body(conversation, now), "", "sms", None)  # never added to the session
    draft.received_at = now
    try:
        return grade(patient, draft, patient.protocol).level >= Level.URGENT
    except Exception:  # noqa: BLE001 - the final recording fails toward a human anyway
        log.exception("grading a partial SMS check-in failed")
        return True


def _finish(patient: Patient, conversation: SmsConversation, now: datetime, *, state: str) -> str:
    recorded = record_report(patient, _body(conversation, now), source="sms", partial=bool(conversation.questions))
    conversation.state, conversation.report_id = state, recorded.body["report"]["id"]
    lines = [] if state == ConversationState.ESCALATED else [text(patient.language, "thanks")]
    lines.append(recorded.body["assessment"]["instructions"])
    if recorded.body["assessment"]["level"] in ("urgent", "emergency"):
        lines.append(text(patient.language, "paged"))
    return " ".join(lines)


def finish_timed_out(conversation: SmsConversation, now: datetime) -> None:
    """A half-finished conversation is stored as a partial report and still graded."""
    patient = db.session.get_one(Patient, conversation.patient_id)
    if conversation.answers:
        recorded = record_report(patient, _body(conversation, now), source="sms", partial=True)
        conversation.report_id = recorded.body["report"]["id"]
    conversation.state, conversation.updated_at = ConversationState.TIMED_OUT, now


def conversations_due(now: datetime) -> Due:
    """Active conversations whose time is up (the check-in's window, or UNSCHEDULED_WINDOW)."""
    return Due(SmsConversation.expires_at, now, SmsConversation.state, (ConversationState.ACTIVE,))


def timeout_sweep(now: datetime) -> int:
    expired = db.session.scalars(select(SmsConversation).where(*conversations_due(now).rows())).all()
    for conversation in expired:
        finish_timed_out(conversation, now)
    return len(expired)
