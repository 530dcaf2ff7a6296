"""Opening and growing alerts, acknowledging and resolving them.

One active (not resolved) alert per patient: new findings are appended, the level only goes up
and an upgrade is recorded as such. Every change goes to `app.services.escalation` in the same
transaction, which queues the pages there: the transactional outbox.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.db import bulk
from app.db.dialect import reserve_ids
from app.extensions import db
from app.models import Alert, AlertStatus, Patient, Protocol, Report, StaffUser
from app.rules import Level
from app.services import alert_events, escalation
from app.services.errors import ConflictError

ALERTING_LEVELS = ("same_day", "urgent", "emergency")


@dataclass
class AlertChange:
    alert: Alert
    change: str  # opened, upgraded, grown


def active_alert(patient_id: int, *, lock: bool = False) -> Alert | None:
    query = select(Alert).where(Alert.patient_id == patient_id, Alert.status != AlertStatus.RESOLVED)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


ACK_CODE_DIGITS = (4, 4, 4, 4, 5, 5, 6, 6, 8)


def _pick_ack_code(is_taken: Callable[[str], bool]) -> str:
    """A short code, unique among every centre's active alerts, to text back ("ACK 4821"): a
    code then names one alert, whoever texts it (a platform administrator's ACK took
    another centre's alert with the same code). Four digits while there is room; thousands of
    open alerts get longer codes."""
    for digits in ACK_CODE_DIGITS:
        code = str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))
        if not is_taken(code):
            return code
    raise RuntimeError("no free acknowledgement code")  # 8 random digits taken: a broken random source


def _new_ack_code() -> str:
    return _pick_ack_code(
        lambda code: db.session.scalar(
            select(Alert.id).where(Alert.ack_code == code, Alert.status != AlertStatus.RESOLVED).limit(1)
        )
        is not None
    )


def _new_ack_codes(count: int, taken: set[str] | None = None) -> list[str]:
    """`count` codes with a single read of the codes in use (a burst); `taken` carries the codes
    already handed out in this burst."""
    if taken is None:
        taken = set(db.session.scalars(select(Alert.ack_code).where(Alert.status != AlertStatus.RESOLVED)))
    codes = []
    for _ in range(count):
        code = _pick_ack_code(taken.__contains__)
        taken.add(code)
        codes.append(code)
    return codes


def _alerting(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f.get("level") != "routine"] or findings


def _finding_entries(findings: list[dict], report: Report | None, now: datetime) -> list[dict]:
    return [
        {
            **f,
            "report_id": report.id if report else None,
            "recorded_at": (report.recorded_at if report else now).isoformat(),
        }
        for f in findings
    ]


def raise_alert(
    patient: Patient,
    level: str,
    findings: list[dict],
    *,
    now: datetime,
    kind: str = "report",
    report: Report | None = None,
    assessment: dict | None = None,
    protocol: Protocol | None = None,
    thresholds: dict | None = None,
) -> AlertChange | None:
    """Open the patient's alert at `level`, or add to the active one. Routine opens nothing."""
    if level not in ALERTING_LEVELS:
        return None
    entries = _finding_entries(_alerting(findings), report, now)
    alert = active_alert(patient.id, lock=True)
    if alert is None:
        return _open(
            patient,
            level,
            entries,
            now=now,
            kind=kind,
            report=report,
            assessment=assessment,
            protocol=protocol,
            thresholds=thresholds,
        )
    return _grow(alert, level, entries, now=now, report=report)


def _open(
    patient: Patient,
    level: str,
    entries: list[dict],
    *,
    now: datetime,
    kind: str,
    report: Report | None,
    assessment: dict | None,
    protocol: Protocol | None,
    thresholds: dict | None,
) -> AlertChange:
    alert = Alert(
        patient_id=patient.id,
        center_id=patient.center_id,
        kind=kind,
        status=AlertStatus.OPEN,
        level=level,
        findings=entries,
        assessment=assessment or {},
        thresholds_snapshot=thresholds or {},
        protocol_id=protocol.id if protocol else None,
        protocol_version=protocol.version if protocol else None,
        opening_report_id=report.id if report else None,
        ack_code=_new_ack_code(),
        opened_at=now,
        updated_at=now,
    )
    db.session.add(alert)
    db.session.flush()
    escalation.opened_in_this_transaction().add(alert.id)
    _event(alert, "opened", now, report=report, data={"level": level, "kind": kind})
    escalation.start_or_restart(alert, "opened", now)
    return AlertChange(alert, "opened")


@dataclass
class AlertRequest:
    """What `raise_alert` takes, for `raise_many`."""

    patient: Patient
    level: str
    findings: list[dict]
    kind: str
    protocol: Protocol | None = None


def raise_many(requests: list[AlertRequest], now: datetime) -> None:
    """`raise_alert` for many patients at once (10,000 missed check-ins after a clock outage):
    the patients' active alerts are read in one query, the new alerts inserted in one statement,
    and their pages and events written in one flush. Patients that already have an active alert,
    or appear twice, take the one-at-a-time path afterwards, which then finds the new alert."""
    requests = [r for r in requests if r.level in ALERTING_LEVELS]
    if not requests:
        return
    fresh, one_at_a_time = _split_fresh(requests)
    opened = _new_alerts(fresh, now)
    ids_reserved = _reserve_alert_ids(opened)
    db.session.add_all(opened)
    if not ids_reserved:
        db.session.flush()  # one multi-row INSERT ... RETURNING for the ids the pages need
    escalation.opened_in_this_transaction().update(alert.id for alert in opened)
    # The escalation reads only cached rosters and rows already loaded; its events and pages
    # are written in one go when the block ends.
    with db.session.no_autoflush, bulk.buffered():
        for alert in opened:
            _event(alert, "opened", now, data={"level": alert.level, "kind": alert.kind})
            escalation.start_or_restart(alert, "opened", now)
        # With reserved ids the alerts go in complete, escalation state included: one pipelined
        # executemany, before the events and pages that refer to them, and no UPDATE after.
        db.session.flush()
    for request in one_at_a_time:
        raise_alert(
            request.patient, request.level, request.findings, now=now, kind=request.kind, protocol=request.protocol
        )


def _split_fresh(requests: list[AlertRequest]) -> tuple[list[AlertRequest], list[AlertRequest]]:
    """Requests for patients with no active alert, once each (locked until commit), and the rest,
    which take the one-at-a-time path."""
    ids = {r.patient.id for r in requests}
    busy = set(
        db.session.scalars(
            select(Alert.patient_id)
            .where(Alert.patient_id.in_(ids), Alert.status != AlertStatus.RESOLVED)
            .with_for_update()
        )
    )
    fresh: dict[int, AlertRequest] = {}
    one_at_a_time: list[AlertRequest] = []
    for request in requests:
        if request.patient.id in busy or request.patient.id in fresh:
            one_at_a_time.append(request)
        else:
            fresh[request.patient.id] = request
    return list(fresh.values()), one_at_a_time


def _new_alerts(fresh: list[AlertRequest], now: datetime) -> list[Alert]:
    """Unsaved alerts for `fresh`, with acknowledgement codes unique among open alerts."""
    by_center: dict[int, list[AlertRequest]] = defaultdict(list)
    for request in fresh:
        by_center[request.patient.center_id].append(request)
    opened = []
    taken = set(db.session.scalars(select(Alert.ack_code).where(Alert.status != AlertStatus.RESOLVED)))
    for center_id, group in by_center.items():
        for request, code in zip(group, _new_ack_codes(len(group), taken), strict=True):
            protocol = request.protocol
            opened.append(
                Alert(
                    patient_id=request.patient.id,
                    center_id=center_id,
                    kind=request.kind,
                    status=AlertStatus.OPEN,
                    level=request.level,
                    findings=_finding_entries(_alerting(request.findings), None, now),
                    assessment={},
                    thresholds_snapshot={},
                    protocol_id=protocol.id if protocol else None,
                    protocol_version=protocol.version if protocol else None,
                    ack_code=code,
                    opened_at=now,
                    updated_at=now,
                    fence=0,
                    upgrade_count=0,
                    escalation_snapshot={},
                )
            )  # set: escalated before the INSERT
    return opened


def _reserve_alert_ids(alerts: list[Alert]) -> bool:
    """On PostgreSQL, take the new alerts' ids from their sequence in one query, so they can be
    inserted whole by a pipelined executemany instead of a multi-row INSERT ... RETURNING (whose
    long text psycopg parses in Python, page by page) followed by an UPDATE of every alert."""
    ids = reserve_ids("alerts", len(alerts)) if alerts else None
    if ids is None:
        return False
    for alert, alert_id in zip(alerts, ids, strict=True):
        alert.id = alert_id
    return True


def _grow(alert: Alert, level: str, entries: list[dict], *, now: datetime, report: Report | None) -> AlertChange:
    alert.findings = [*alert.findings, *entries]  # a new list so the JSON column sees the change
    alert.updated_at = now
    if Level.from_label(level) <= Level.from_label(alert.level):
        _event(alert, "findings_added", now, report=report, data={"count": len(entries)})
        return AlertChange(alert, "grown")
    previous = alert.level
    alert.level, alert.upgraded_at, alert.upgrade_count = level, now, alert.upgrade_count + 1
    if alert.status == AlertStatus.ACKNOWLEDGED:
        # Worse news than what was acknowledged: it needs a person again.
        alert.status, alert.acknowledged_at, alert.acknowledged_by_id = AlertStatus.OPEN, None, None
    _event(alert, "upgraded", now, report=report, data={"from": previous, "to": level})
    escalation.start_or_restart(alert, "upgraded", now)
    return AlertChange(alert, "upgraded")


def _event(
    alert: Alert,
    kind: str,
    now: datetime,
    *,
    report: Report | None = None,
    staff: StaffUser | None = None,
    data: dict | None = None,
) -> None:
    alert_events.record(alert, kind, now, data=data, report=report, staff=staff)


def acknowledge(alert: Alert, staff: StaffUser, now: datetime, *, via: str = "web") -> bool:
    """Acknowledge an open alert: the escalation stops. False when it was not open."""
    if alert.status != AlertStatus.OPEN:
        return False
    alert.status, alert.acknowledged_at, alert.acknowledged_by_id, alert.updated_at = (
        AlertStatus.ACKNOWLEDGED,
        now,
        staff.id,
        now,
    )
    _event(alert, "acknowledged", now, staff=staff, data={"via": via})
    escalation.stop_for_ack(alert, staff, now)
    return True


def resolve(alert: Alert, staff: StaffUser, disposition: str, note: str | None, now: datetime) -> None:
    if alert.status == AlertStatus.RESOLVED:
        raise ConflictError("This alert is already resolved.", code="already_resolved")
    if alert.status == AlertStatus.OPEN:
        acknowledge(alert, staff, now, via="resolve")
    alert.status, alert.resolved_at, alert.resolved_by_id = AlertStatus.RESOLVED, now, staff.id
    alert.disposition, alert.resolution_note, alert.updated_at = disposition, note, now
    _event(alert, "resolved", now, staff=staff, data={"disposition": disposition})
    escalation.stop_for_resolve(alert, now)
