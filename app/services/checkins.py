"""Check-ins: the materialised schedule and the missed ladder (completing them with reports is
app/services/checkin_completion.py).

Only a rolling horizon of check-ins exists as rows (HORIZON ahead), so the table stays small;
the schedule sweep extends patients whose horizon runs short, and the ladder sweep reads only
check-ins whose next action is due (index on state, next_action_at): both grow with what is
due, not with the number of patients.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from app.db import bulk
from app.db.dialect import claim
from app.db.due import Due
from app.db.memo import peek, put
from app.extensions import db
from app.models import (
    CheckIn,
    CheckInState,
    Device,
    Notification,
    Patient,
    PatientStatus,
)
from app.notify.texts import check_in_reminder, push_check_in, second_reminder
from app.protocols.schedule import ladder_times, planned_check_ins
from app.services import outbox, sms_checkin
from app.services.alerts import AlertRequest, raise_many
from app.services.checkin_completion import cancel_reminders
from app.services.checkin_links import make_link
from app.services.devices import device_of

log = logging.getLogger("vigil.checkins")

HORIZON = timedelta(hours=48)
EXTEND_WHEN_LEFT = timedelta(hours=24)
BATCH = 1000


# ---- the schedule --------------------------------------------------------------------------


def extend_schedule(patient: Patient, now: datetime) -> int:
    """Materialise the patient's check-ins up to now + HORIZON. Returns how many were added."""
    start = max(patient.schedule_until or now, now)
    end = now + HORIZON
    if start >= end or patient.status != PatientStatus.ACTIVE:
        return 0
    content = patient.protocol.settings
    planned = planned_check_ins(content, patient.infused_at, patient.timezone, start, end)
    existing = set(
        db.session.scalars(
            select(CheckIn.due_at).where(
                CheckIn.patient_id == patient.id, CheckIn.due_at >= start, CheckIn.due_at < end
            )
        )
    )
    excused_until = patient.check_ins_excused_until
    rows = []
    for p in planned:
        if p.due_at in existing:
            continue
        excused = excused_until is not None and p.due_at < excused_until
        rows.append(
            CheckIn(
                patient_id=patient.id,
                protocol_id=patient.protocol_id,
                due_at=p.due_at,
                window_ends_at=p.window_ends_at,
                phase=p.phase,
                asks=list(p.asks),
                state=CheckInState.EXCUSED if excused else CheckInState.PENDING,
                ladder_step=0,
                next_action_at=None if excused else ladder_times(content, p.due_at).reminder_at,
                missed_level=p.missed_level,
            )
        )
    db.session.add_all(rows)
    patient.schedule_until = end
    return len(rows)


def regenerate_future(patient: Patient, now: datetime) -> int:
    """A protocol change applies from now on: future pending (or excused) check-ins are replaced,
    the new ones excused too while an excusal lasts; past ones stay."""
    db.session.execute(
        delete(CheckIn).where(
            CheckIn.patient_id == patient.id,
            CheckIn.state.in_((CheckInState.PENDING, CheckInState.EXCUSED)),
            CheckIn.due_at > now,
        )
    )
    patient.schedule_until = now
    return extend_schedule(patient, now)


def cancel_future(patient: Patient, now: datetime) -> None:
    """A patient who completed or withdrew is asked nothing more."""
    db.session.execute(
        update(CheckIn)
        .where(CheckIn.patient_id == patient.id, CheckIn.state == CheckInState.PENDING)
        .values(state=CheckInState.CANCELLED, next_action_at=None)
        .execution_options(synchronize_session=False)
    )
    patient.schedule_until = None


def excuse_until(patient: Patient, until: datetime | None, now: datetime) -> None:
    """Staff excuse the patient's check-ins due before `until` (back in hospital, seen in clinic):
    they are neither reminded nor missed, and reminders already queued for them are cancelled.
    Ending an excusal early (None, or an earlier time) gives the later check-ins back."""
    patient.check_ins_excused_until = until
    if until is not None:
        excused = list(
            db.session.scalars(
                select(CheckIn).where(
                    CheckIn.patient_id == patient.id, CheckIn.state == CheckInState.PENDING, CheckIn.due_at < until
                )
            )
        )
        for check_in in excused:
            check_in.state, check_in.next_action_at = CheckInState.EXCUSED, None
        cancel_reminders(patient.id, [c.id for c in excused], now)
    given_back = select(CheckIn).where(
        CheckIn.patient_id == patient.id, CheckIn.state == CheckInState.EXCUSED, CheckIn.due_at > now
    )
    if until is not None:
        given_back = given_back.where(CheckIn.due_at >= until)
    for check_in in db.session.scalars(given_back):
        check_in.state, check_in.ladder_step = CheckInState.PENDING, 0
        check_in.next_action_at = ladder_times(patient.protocol.settings, check_in.due_at).reminder_at


def schedules_due(now: datetime) -> Due:
    """Active patients whose horizon runs short. They always have one (set at enrollment and on
    reactivation), so this is a range read on the (status, schedule_until) index, whatever the
    number of patients."""
    return Due(Patient.schedule_until, now + EXTEND_WHEN_LEFT, Patient.status, (PatientStatus.ACTIVE,), strictly=True)


def schedule_sweep(now: datetime, limit: int = 500) -> int:
    due = db.session.scalars(
        select(Patient).where(*schedules_due(now).rows()).order_by(Patient.schedule_until).limit(limit)
    ).all()
    return sum(extend_schedule(p, now) for p in due)


# ---- the missed ladder ---------------------------------------------------------------------


def _in_quiet_hours(patient: Patient, now: datetime) -> bool:
    """Reminders (only reminders) respect the protocol's waking hours in the patient's time."""
    return not patient.protocol.settings.waking_hours.covers(now.astimezone(ZoneInfo(patient.timezone)).time())


def _remind(check_in: CheckIn, patient: Patient, now: datetime, second: bool) -> None:
    # The first reminder goes to the app when it registered for pushes; the second, to the patient
    # and the caregiver together, stays SMS: the push went unanswered.
    app_reachable = not second and patient.channel == "app" and _has_device(patient.id)
    if _in_quiet_hours(patient, now) or (patient.sms_opted_out and not second and not app_reachable):
        return
    if patient.channel == "sms" and not second:
        sms_checkin.start(patient, now, check_in)  # no smartphone: the check-in itself comes by SMS
        return
    link = None if patient.channel == "sms" else make_link(check_in)
    if not second:
        push: dict[str, Any] = {}
        if app_reachable:
            title, text = push_check_in(patient.language)
            # The SMS text stays the body: it is what goes out if the push cannot.
            push = {
                "channel": "push",
                "extra": {
                    "push_title": title,
                    "push_body": text,
                    "push_data": {"kind": "check_in", "check_in_id": str(check_in.id)},
                },
            }
        key = f"ci:{check_in.id}:reminder"
        outbox.queue(
            dedupe_key=key,
            purpose="reminder",
            to_phone=patient.phone,
            body=check_in_reminder(patient.language, link),
            now=now,
            patient_id=patient.id,
            known_new=_known_new(key),
            **push,
        )
        return
    first_name = patient.name.split()[0] if patient.name else ""
    # Each phone's own opt-out counts: a patient's STOP leaves the caregiver as the backup, and a
    # caregiver's STOP stops only the caregiver's texts.
    for who, phone, opted_out in (
        ("patient", patient.phone, patient.sms_opted_out),
        ("caregiver", patient.caregiver_phone, patient.caregiver_sms_opted_out),
    ):
        if phone and not opted_out:
            key = f"ci:{check_in.id}:second:{who}"
            outbox.queue(
                dedupe_key=key,
                purpose="second_reminder",
                to_phone=phone,
                body=second_reminder(patient.language, first_name, link),
                now=now,
                patient_id=patient.id,
                known_new=_known_new(key),
            )


def _missed(check_in: CheckIn, patient: Patient) -> AlertRequest:
    check_in.state, check_in.next_action_at = CheckInState.MISSED, None
    local_due = check_in.due_at.astimezone(ZoneInfo(patient.timezone)).strftime("%a %H:%M")
    finding = {
        "rule": "R12_missed_check_in",
        "level": check_in.missed_level,
        "summary": f"Check-in due {local_due} ({check_in.phase}) not answered by the end of its window; "
        "silence can mean the patient cannot answer",
        "thresholds": {},
    }
    return AlertRequest(patient, check_in.missed_level, [finding], kind="missed_check_in", protocol=patient.protocol)


def _step(check_in: CheckIn, now: datetime, misses: list[AlertRequest]) -> None:
    """One rung up the ladder. A miss is added to `misses`, whose alerts the sweep raises together."""
    patient = db.session.get_one(Patient, check_in.patient_id)
    ladder = ladder_times(patient.protocol.settings, check_in.due_at)
    if patient.status != PatientStatus.ACTIVE:
        check_in.state, check_in.next_action_at = CheckInState.CANCELLED, None
    elif check_in.ladder_step == 0:
        if now < ladder.second_reminder_at:  # after a clock outage, a stale reminder is noise: skip it
            _remind(check_in, patient, now, second=False)
        check_in.ladder_step, check_in.next_action_at = 1, ladder.second_reminder_at
    elif check_in.ladder_step == 1:
        if now < ladder.missed_at:
            _remind(check_in, patient, now, second=True)
        check_in.ladder_step, check_in.next_action_at = 2, ladder.missed_at
    else:
        check_in.ladder_step = 3
        misses.append(_missed(check_in, patient))


def ladder_sweep(now: datetime, limit: int = BATCH, budget_seconds: float = 30.0) -> int:
    """Move every check-in whose next action is due up the ladder (catching up when a clock
    outage left several rungs due), in committed batches until nothing is due or the time budget
    is spent: after an outage, thousands of misses must not wait one batch per tick."""
    started = monotonic()
    moved = 0
    while monotonic() - started < budget_seconds:
        batch = _claim_due_check_ins(now, limit)
        patients = _load_patients(batch)  # held: the identity map keeps only what is referenced
        _preload_reminders(batch, patients)
        misses: list[AlertRequest] = []
        # The reminders (the 08:00 wave: thousands due the same minute) are collected as rows and
        # written by one executemany when the block ends; nothing here reads them back.
        with db.session.no_autoflush, bulk.buffered():
            for check_in in batch:
                while (
                    check_in.state == CheckInState.PENDING
                    and check_in.next_action_at is not None
                    and check_in.next_action_at <= now
                ):
                    _step(check_in, now, misses)
                    moved += 1
        raise_many(misses, now)
        db.session.commit()
        del patients
        if len(batch) < limit:
            break
    return moved


_DEVICES = ("reminder_devices",)
_QUEUED = ("reminder_keys_queued",)


def _preload_reminders(batch: list[CheckIn], patients: list[Patient]) -> None:
    """Two set-based reads for the whole batch instead of two per reminder: which patients have
    the app registered for pushes, and which of the batch's reminder keys are queued already (a
    check-in excused and given back climbs its ladder again). Kept for this transaction only."""
    if not batch:
        return
    app_patients = [p.id for p in patients if p.channel == "app"]
    devices = (
        set(db.session.scalars(select(Device.patient_id).where(Device.patient_id.in_(app_patients))))
        if app_patients
        else set()
    )
    keys = [f"ci:{c.id}:{suffix}" for c in batch for suffix in ("reminder", "second:patient", "second:caregiver")]
    queued: set[str] = set()
    for start in range(0, len(keys), 900):  # SQLite's bound-parameter limit stays far away
        queued.update(
            db.session.scalars(
                select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys[start : start + 900]))
            )
        )
    put(_DEVICES, devices)
    put(_QUEUED, queued)


def _has_device(patient_id: int) -> bool:
    memo = peek(_DEVICES)
    return patient_id in memo if memo is not None else device_of(patient_id) is not None


def _known_new(key: str) -> bool:
    """True when the batch's read showed the key is not queued: the outbox need not ask again
    (and, inside `bulk.buffered()`, writes the row with the batch's other reminders)."""
    memo = peek(_QUEUED)
    return memo is not None and key not in memo


def _load_patients(batch: list[CheckIn]) -> list[Patient]:
    """The batch's patients with their centres and protocols, in one query, into the session's
    identity map, where every later `get` of them finds them while the caller holds the list."""
    ids = {check_in.patient_id for check_in in batch}
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Patient)
            .where(Patient.id.in_(ids))
            .options(selectinload(Patient.center), selectinload(Patient.protocol))
        )
    )


def check_ins_due(now: datetime) -> Due:
    """Pending check-ins whose next rung (reminder, second reminder, missed) is due."""
    return Due(CheckIn.next_action_at, now, CheckIn.state, (CheckInState.PENDING,))


def _claim_due_check_ins(now: datetime, limit: int) -> list[CheckIn]:
    query = select(CheckIn).where(*check_ins_due(now).rows()).order_by(CheckIn.next_action_at).limit(limit)
    return list(db.session.scalars(claim(query)))  # two clocks split a burst between them
