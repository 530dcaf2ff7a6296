"""The escalation executor: freezes the chain onto an alert, turns each step's decision into
pages in the outbox, and moves the alert along under a fence (compare-and-set on `fence`), so
two clock processes can never run one step twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.db import rowcount
from app.db.due import Due
from app.db.memo import cached
from app.escalation.policy import ROLE_GROUPS, default_policy
from app.escalation.steps import Decision, first_decision, next_decision, same_day_decision
from app.extensions import db
from app.models import (
    ESCALATING,
    Alert,
    AlertStatus,
    Center,
    EscalationPolicy,
    EscalationState,
    Notification,
    NotificationState,
    OnCallShift,
    Patient,
    PatientStatus,
    Protocol,
    StaffUser,
)
from app.notify.call_script import JURISDICTION_LANGUAGE, call_text, spoken_label
from app.notify.pages import ack_notice, no_on_call_prefix, nobody_reachable_prefix, page_text, patient_label
from app.notify.texts import team_not_reached, team_notified
from app.protocols.settings import DEFAULTS
from app.rules import Level
from app.services import alert_events, outbox
from app.services.baseline import relative_rules_are_off
from app.services.reachability import pageable, phone_or_fallback
from app.services.restrictions import day_after_infusion

log = logging.getLogger("vigil.escalation")

PAGED_LEVELS = ("urgent", "emergency")
NOT_REACHED = (
    NotificationState.FAILED,
    NotificationState.UNDELIVERED,
    NotificationState.UNCONFIRMED,
    NotificationState.UNANSWERED,
)
PAGING_PURPOSES = ("page", "call")  # a step texts (page), calls (call), or both


def opened_in_this_transaction() -> set[int]:
    """Ids of alerts this transaction created: no earlier transaction can have queued a message
    keyed on them, so their pages skip the duplicate check against the database."""
    return cached(("alerts_opened",), set)


# ---- snapshot and targets -------------------------------------------------------------------


def policy_for(center_id: int) -> tuple[dict, str]:
    def read() -> tuple[dict, str]:
        row = db.session.scalar(select(EscalationPolicy).where(EscalationPolicy.center_id == center_id))
        return (row.content, "centre policy") if row else (default_policy(), "default policy")

    return cached(("policy", center_id), read)


def freeze_policy(alert: Alert, now: datetime) -> None:
    policy, source = policy_for(alert.center_id)
    alert.escalation_snapshot = {"policy": policy, "source": source, "taken_at": now.isoformat()}


def on_call_staff(center_id: int, now: datetime) -> list[StaffUser]:
    return cached(("on_call", center_id, now), lambda: _read_on_call(center_id, now))


def _read_on_call(center_id: int, now: datetime) -> list[StaffUser]:
    query = (
        select(StaffUser)
        .join(OnCallShift, OnCallShift.staff_id == StaffUser.id)
        .where(
            OnCallShift.center_id == center_id,
            OnCallShift.starts_at <= now,
            (OnCallShift.ends_at.is_(None)) | (OnCallShift.ends_at > now),
            StaffUser.active.is_(True),
        )
        .order_by(OnCallShift.starts_at.desc())
    )
    return list(dict.fromkeys(db.session.scalars(query)))


def center_staff(center_id: int, role: str) -> list[StaffUser]:
    return cached(
        ("staff", center_id, role),
        lambda: list(
            db.session.scalars(
                select(StaffUser)
                .where(StaffUser.center_id == center_id, StaffUser.role == role, StaffUser.active.is_(True))
                .order_by(StaffUser.id)
            )
        ),
    )


def center_admins(center_id: int) -> list[StaffUser]:
    """The centre's own admins, or every admin without a centre when it has none."""
    admins = center_staff(center_id, "admin")
    if admins:
        return admins
    return cached(
        ("global_admins",),
        lambda: list(
            db.session.scalars(
                select(StaffUser).where(
                    StaffUser.role == "admin", StaffUser.center_id.is_(None), StaffUser.active.is_(True)
                )
            )
        ),
    )


def resolve_targets(targets: list, center_id: int, now: datetime) -> tuple[list[StaffUser], bool]:
    """The people a step names, in order, once each; and whether "on_call" found no one."""
    people: list[StaffUser] = []
    nobody_on_call = False
    for target in targets:
        if target == "on_call":
            found = on_call_staff(center_id, now)
            nobody_on_call = nobody_on_call or not found
            people += found
        elif target in ROLE_GROUPS:
            people += center_staff(center_id, ROLE_GROUPS[target])
        else:
            user = db.session.get(StaffUser, target)
            if user is not None and user.active and user.center_id in (center_id, None):
                people.append(user)
    return list(dict.fromkeys(people)), nobody_on_call


# ---- pages ---------------------------------------------------------------------------------


def _page_body(alert: Alert, prefix: str = "") -> str:
    patient = db.session.get_one(Patient, alert.patient_id)
    paged = [f for f in sorted(alert.findings, key=_severity, reverse=True) if f.get("level") != "routine"]
    findings = [f["summary"] for f in paged]
    late = max((f.get("late_by_minutes") or 0 for f in paged), default=0)
    label = patient_label(patient.name, patient.mrn, current_app.config.get("PAGE_SHOW_INITIALS", True))
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/alerts/{alert.id}"
    day = day_after_infusion(patient.infused_at, alert.opened_at, patient.timezone)
    return page_text(
        level=alert.level,
        label=label,
        day=day,
        findings=list(dict.fromkeys(findings)),
        ack_code=alert.ack_code,
        link=link,
        prefix=prefix,
        late_minutes=late or None,
        no_baseline=relative_rules_are_off(patient),
    )


def _severity(finding: dict) -> int:
    return Level.rank(finding.get("level"))


def _page(alert: Alert, people: list[StaffUser], now: datetime, *, step: int, prefix: str = "") -> list[str]:
    body = _page_body(alert, prefix)
    paged = []
    for person in people:
        if not pageable(person) or person.phone is None:
            continue  # no phone, or texted STOP: Twilio would refuse (21610); the chain skips them
        queued = outbox.queue(
            dedupe_key=f"page:{alert.id}:{alert.fence}:{step}:{person.id}",
            purpose="page",
            to_phone=person.phone,
            body=body,
            now=now,
            alert_id=alert.id,
            staff_id=person.id,
            escalation_step=step,
            escalation_round=alert.escalation_round,
            extra={"fence": alert.fence},
            known_new=alert.id in opened_in_this_transaction(),
        )
        if queued is not None:
            paged.append(person.name or person.email)
    return paged


def _call(alert: Alert, people: list[StaffUser], now: datetime, *, step: int) -> list[str]:
    """Queue a phone call to each person: the same outbox, claims and leases as a
    page, one call per person per step (the key names the fence and the step)."""
    text = call_text_for(alert)
    called = []
    for person in people:
        if not person.phone or not person.active:
            continue
        queued = outbox.queue(
            dedupe_key=f"call:{alert.id}:{alert.fence}:{step}:{person.id}",
            purpose="call",
            channel="call",
            to_phone=person.phone,
            body=text,
            now=now,
            alert_id=alert.id,
            staff_id=person.id,
            escalation_step=step,
            escalation_round=alert.escalation_round,
            extra={"fence": alert.fence, "language": call_language(alert)},
            known_new=alert.id in opened_in_this_transaction(),
        )
        if queued is not None:
            called.append(person.name or person.email)
    return called


def call_language(alert: Alert) -> str:
    """The centre's call language: its policy's `call_language`, else its jurisdiction's."""
    chosen = (alert.escalation_snapshot or {}).get("policy", {}).get("call_language")
    if chosen:
        return chosen
    center = db.session.get_one(Center, alert.center_id)
    return JURISDICTION_LANGUAGE.get(center.jurisdiction, "en-US")


def call_text_for(alert: Alert) -> str:
    patient = db.session.get_one(Patient, alert.patient_id)
    top = sorted((f for f in alert.findings if f.get("level") != "routine"), key=_severity, reverse=True)
    label = spoken_label(patient.name, patient.mrn, current_app.config.get("PAGE_SHOW_INITIALS", True))
    day = day_after_infusion(patient.infused_at, alert.opened_at, patient.timezone)
    return call_text(
        language=call_language(alert),
        level=alert.level,
        label=label,
        day=day,
        finding=top[0]["summary"] if top else None,
    )


def step_channels(step: dict) -> tuple[str, ...]:
    return tuple(step.get("channels") or ("sms",))  # a step without channels texts


def _page_step(alert: Alert, step_index: int, chain: dict, now: datetime) -> tuple[list[str], list[str]]:
    step = chain["steps"][step_index]
    channels = step_channels(step)
    people, nobody_on_call = resolve_targets(step["notify"], alert.center_id, now)
    paged = _page(alert, people, now, step=step_index) if "sms" in channels else []
    called = _call(alert, people, now, step=step_index) if "call" in channels else []
    admins = center_admins(alert.center_id)
    prefix = None
    if nobody_on_call:
        center = db.session.get_one(Center, alert.center_id)
        _event(alert, "no_one_on_call", now, {"step": step_index + 1})
        prefix = no_on_call_prefix(center.name)
    elif not any(pageable(p) for p in people):
        # The step names people, but none can be paged (no phone, or they texted STOP): the
        # admins are paged at once rather than the chain waiting out a step that reached nobody.
        _event(alert, "nobody_reachable", now, {"step": step_index + 1})
        prefix = nobody_reachable_prefix(step_index + 1)
    if prefix is not None:
        # The admins always get the text that says why they are paged, and a call if the step calls.
        paged += _page(alert, admins, now, step=step_index, prefix=prefix)
        called += _call(alert, admins, now, step=step_index) if "call" in channels else []
    if not any(pageable(p) for p in [*people, *admins]):
        log.error("alert %s: nobody at its centre can be paged at step %s", alert.id, step_index + 1)
    return paged, called


def _event(alert: Alert, kind: str, now: datetime, data: dict) -> None:
    alert_events.record(alert, kind, now, data=data)


# ---- applying decisions --------------------------------------------------------------------


def _chain(alert: Alert) -> dict:
    return alert.escalation_snapshot["policy"][alert.level]


def _apply(alert: Alert, decision: Decision, now: datetime) -> list[str]:
    alert.fence += 1  # every move gets a new fence: stale workers' updates no longer match
    alert.escalation_step, alert.escalation_round = decision.step, decision.round
    alert.escalation_state, alert.next_step_at = decision.state, decision.next_at
    called: list[str] = []
    if alert.level in PAGED_LEVELS:
        chain = _chain(alert)
        paged: list[str] = []
        for i in decision.page_steps:
            step_paged, step_called = _page_step(alert, i, chain, now)
            paged, called = paged + step_paged, called + step_called
    else:
        paged = _page_same_day(alert, now) if decision.page_steps else []
    data = {
        "reason": decision.reason,
        "step": decision.step + 1,
        "round": decision.round + 1,
        "paged": paged,
        "state": decision.state,
    }
    _event(alert, "escalation", now, data | ({"called": called} if called else {}))
    if decision.state == EscalationState.EXHAUSTED:
        log.warning("alert %s unacknowledged after the full chain", alert.id)
    return paged


def _page_same_day(alert: Alert, now: datetime) -> list[str]:
    on_call = on_call_staff(alert.center_id, now)
    reachable = [p for p in on_call if pageable(p)]
    nurses = [p for p in reachable if p.role == "nurse"] or reachable
    if not nurses:
        center = db.session.get_one(Center, alert.center_id)
        _event(alert, "no_one_on_call", now, {"step": 1})
        return _page(alert, center_admins(alert.center_id), now, step=0, prefix=no_on_call_prefix(center.name))
    return _page(alert, nurses[:1], now, step=0)


def start_or_restart(alert: Alert, change: str, now: datetime) -> None:
    """An alert opened or was upgraded: page at once from the first step of its level's chain."""
    if not alert.escalation_snapshot:
        freeze_policy(alert, now)
    if alert.level in PAGED_LEVELS:
        paged = _apply(alert, first_decision(_chain(alert), alert.level, now), now)
        _tell_patient(alert, now, reached=bool(paged) or _paged_before(alert))
    else:
        center = db.session.get_one(Center, alert.center_id)
        _apply(alert, same_day_decision(now, center.timezone, center.day_starts, center.day_ends), now)


def _paged_before(alert: Alert) -> bool:
    """An upgraded alert whose earlier pages are already queued or sent (their keys dedupe now)."""
    if alert.id in opened_in_this_transaction():
        return False
    return (
        db.session.scalar(
            select(Notification.id).where(Notification.alert_id == alert.id, Notification.purpose == "page").limit(1)
        )
        is not None
    )


def _tell_patient(alert: Alert, now: datetime, *, reached: bool) -> None:
    """Tell the patient only what is true: "your team has been notified" when a page went out,
    else that Vigil could not reach them and whom to call."""
    patient = db.session.get_one(Patient, alert.patient_id)
    if patient.sms_opted_out or patient.status != PatientStatus.ACTIVE:
        return
    center = db.session.get_one(Center, patient.center_id)
    phone = phone_or_fallback(center, patient.language)
    body = team_notified(patient.language, phone) if reached else team_not_reached(patient.language, phone)
    outbox.queue(
        dedupe_key=f"notified:{alert.id}",
        purpose="patient_notice",
        to_phone=patient.phone,
        body=body,
        now=now,
        alert_id=alert.id,
        patient_id=patient.id,
        known_new=alert.id in opened_in_this_transaction(),
    )


def advance(alert_id: int, expected_fence: int, now: datetime) -> bool:
    """Run the alert's next step if its fence is still `expected_fence` (compare-and-set)."""
    claimed = rowcount(
        db.session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.fence == expected_fence)
            .values(fence=Alert.fence + 1)
            .execution_options(synchronize_session=False)
        )
    )
    if claimed != 1:
        return False
    alert = db.session.get_one(Alert, alert_id)
    db.session.refresh(alert)
    if alert.status != AlertStatus.OPEN or alert.escalation_state not in ESCALATING:
        return False
    if alert.escalation_state == EscalationState.WAITING_DAYTIME:
        center = db.session.get_one(Center, alert.center_id)
        decision = same_day_decision(now, center.timezone, center.day_starts, center.day_ends)
    else:
        decision = next_decision(_chain(alert), alert.escalation_step, alert.escalation_round, now)
    _apply(alert, decision, now)
    return True


def steps_due(at: datetime, *, strictly: bool = False) -> Due:
    """Alerts whose next step is due by `at` (the watchdog asks for those overdue)."""
    return Due(Alert.next_step_at, at, Alert.escalation_state, ESCALATING, strictly=strictly)


def due_alerts(now: datetime, limit: int = 200) -> list[tuple[int, int]]:
    query = select(Alert.id, Alert.fence).where(*steps_due(now).rows()).order_by(Alert.next_step_at).limit(limit)
    return [(row.id, row.fence) for row in db.session.execute(query)]


def run_due_steps(now: datetime) -> int:
    moved = 0
    for alert_id, fence in due_alerts(now):
        if advance(alert_id, fence, now):
            moved += 1
        db.session.commit()
    return moved


# ---- stopping ------------------------------------------------------------------------------


def _stop(alert: Alert, now: datetime, state: str) -> None:
    alert.fence += 1
    alert.escalation_state, alert.next_step_at = state, None
    outbox.cancel_pending(alert.id, now, purposes=PAGING_PURPOSES)


def stop_for_ack(alert: Alert, staff: StaffUser, now: datetime) -> None:
    _stop(alert, now, EscalationState.STOPPED)
    patient = db.session.get_one(Patient, alert.patient_id)
    label = patient_label(patient.name, patient.mrn, current_app.config.get("PAGE_SHOW_INITIALS", True))
    paged = db.session.scalars(
        select(Notification).where(
            Notification.alert_id == alert.id,
            Notification.purpose.in_(PAGING_PURPOSES),
            Notification.state.in_(
                (
                    NotificationState.SENT,
                    NotificationState.DELIVERED,
                    NotificationState.SENDING,
                    NotificationState.ANSWERED,
                )
            ),
        )
    ).all()
    acknowledged_at = alert.acknowledged_at or now  # set by `alerts.acknowledge` just before
    for person_id, phone in dict.fromkeys((n.staff_id, n.to_phone) for n in paged if n.staff_id != staff.id):
        outbox.queue(
            dedupe_key=f"ack:{alert.id}:{acknowledged_at.isoformat()}:{person_id}",
            purpose="ack_notice",
            to_phone=phone,
            body=ack_notice(alert.ack_code, label, staff.name or staff.email),
            now=now,
            alert_id=alert.id,
            staff_id=person_id,
        )


def stop_for_resolve(alert: Alert, now: datetime) -> None:
    _stop(alert, now, EscalationState.STOPPED)


# ---- pages that did not reach anyone -------------------------------------------------------


def page_not_reached(notification: Notification, now: datetime) -> None:
    """A page failed, bounced or went unconfirmed. When no one of the current step was reached,
    the chain's next step runs now instead of after the wait."""
    if notification.purpose not in PAGING_PURPOSES or notification.alert_id is None:
        return
    alert = db.session.get_one(Alert, notification.alert_id)
    if alert.status != AlertStatus.OPEN or alert.escalation_state != EscalationState.RUNNING:
        return
    # A call that is not answered (no answer, busy, voicemail, failed) moves the chain on as soon
    # as every call of the step is: a text that was delivered does not wake anyone.
    # A text that failed moves it on when nothing else of the step reached anyone, as before.
    purposes = ("call",) if notification.purpose == "call" else PAGING_PURPOSES
    current = db.session.scalars(
        select(Notification).where(Notification.alert_id == alert.id, Notification.purpose.in_(purposes))
    ).all()
    current = [n for n in current if n.extra.get("fence") == alert.fence]
    if current and all(n.state in NOT_REACHED for n in current):
        _event(alert, "step_not_reached", now, {"step": alert.escalation_step + 1})
        advance(alert.id, alert.fence, now)


def confirm_minutes(alert_id: int | None) -> int:
    """The protocol's `paging.confirm_minutes` for the alert's protocol version, else 10."""
    alert = db.session.get(Alert, alert_id) if alert_id else None
    protocol = db.session.get(Protocol, alert.protocol_id) if alert and alert.protocol_id else None
    return (protocol.settings if protocol else DEFAULTS).paging.confirm_minutes


def unconfirmed_due(now: datetime) -> Due:
    """Pages sent over a minute ago with no final status yet: the candidates `unconfirmed_pages`
    then holds to each protocol's `confirm_minutes`."""
    return Due(
        Notification.sent_at,
        now - timedelta(minutes=1),
        Notification.state,
        (NotificationState.SENT,),
        where=(Notification.purpose.in_(PAGING_PURPOSES),),
        strictly=True,
    )


def unconfirmed_pages(now: datetime) -> int:
    """Pages with no final delivery status after the protocol's minutes count as not reached."""
    candidates = db.session.scalars(select(Notification).where(*unconfirmed_due(now).rows())).all()
    stale = [
        n
        for n in candidates
        if n.sent_at is not None and n.sent_at < now - timedelta(minutes=confirm_minutes(n.alert_id))
    ]
    for row in stale:
        row.state, row.final_at = NotificationState.UNCONFIRMED, now
        page_not_reached(row, now)
    return len(stale)
