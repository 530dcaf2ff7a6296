"""What an emergency department needs on one page, computed once for both the FHIR document
and the printable HTML so the two can never disagree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.fhir.detected_issue import DISPOSITION_LABEL, LEVEL_LABEL
from app.fhir.flag import last_monitored_day, window_of
from app.fhir.observations import observation_id
from app.fhir.questionnaire import label as item_label
from app.fhir.record import PatientRecord
from app.models import PRODUCT_DISPLAY, Alert, AlertEvent, Report
from app.rules import Level
from app.rules.text import num
from app.schemas.report import NEURO_FLAGS, SIGNS
from app.services.baseline import baseline_notice
from app.services.restrictions import day_after_infusion, local_infusion_date

# docs/clinical-rules.md: R1-R8 and R16 are fever, haemodynamic and oxygen signals (CRS); R9-R11, R13 and
# the movement/mood item are neuro signals (ICANS and delayed neurotoxicity).
CRS_RULES = {"R1", "R2", "R3", "R4", "R5a", "R5b", "R6a", "R6b", "R7", "R8a", "R8b", "R16"}
ICANS_RULES = {"R9", "R10a", "R10b", "R11", "R13", "X2"}
MAX_TIMELINE = 12  # rows: the page must still print on one sheet
PAGING_EVENTS = ("escalation", "no_one_on_call", "nobody_reachable")
STILL_ACTIVE = timedelta(hours=24)  # a finding repeated within this is not listed as new again
PAGE_STATE = {
    "pending": "queued",
    "sending": "sending",
    "sent": "sent, delivery not yet confirmed",
    "delivered": "delivered",
    "undelivered": "not delivered",
    "failed": "failed",
    "unconfirmed": "no delivery report",
    "cancelled": "cancelled",
    "answered": "answered",
    "unanswered": "not answered (no answer, busy or voicemail)",
}
CHANNEL_WORDS = {"sms": "SMS", "call": "phone call"}


def local(value: datetime | None, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z") if value else ""


def track(rule: str) -> str:
    head = rule.split("_", 1)[0]
    return "CRS" if head in CRS_RULES else "ICANS" if head in ICANS_RULES else "Other"


def _temperature(r: Report) -> str:
    text = f"{r.temperature_c:.1f} °C"
    if r.temperature_unit == "F" and r.temperature_raw is not None:
        text += f" (entered {r.temperature_raw:g} °F)"
    return text + (" — antipyretic in the last 6 h" if r.antipyretic_in_last_6h else "")


def _has_bp(r: Report) -> bool:
    return r.systolic_bp is not None or r.diastolic_bp is not None


def _pressure(r: Report) -> str:
    return "/".join(num(v) if v is not None else "?" for v in (r.systolic_bp, r.diastolic_bp))


def _bp(r: Report) -> str:
    return _pressure(r) + " mmHg"


def _has_ice(r: Report) -> bool:
    return r.ice_score is not None or bool((r.neuro or {}).get("ice_unable"))


def _ice(r: Report) -> str:
    return f"{r.ice_score}/10" if r.ice_score is not None else "could not do the test"


def _num(value: float | None) -> str:
    # A reader of MEASURES runs only on a report its check passed, so the reading is there.
    assert value is not None
    return num(value)


# (label, Observation key, has it, how it reads)
MEASURES: tuple[tuple[str, str, Callable[[Report], bool], Callable[[Report], str]], ...] = (
    ("Temperature", "temp", lambda r: r.temperature_c is not None, _temperature),
    ("Heart rate", "hr", lambda r: r.heart_rate is not None, lambda r: f"{_num(r.heart_rate)} /min"),
    ("Blood pressure", "bp", _has_bp, _bp),
    ("SpO2", "spo2", lambda r: r.spo2 is not None, lambda r: f"{_num(r.spo2)} %"),
    ("Respiratory rate", "rr", lambda r: r.respiratory_rate is not None, lambda r: f"{_num(r.respiratory_rate)} /min"),
    ("Weight", "weight", lambda r: r.weight_kg is not None, lambda r: f"{_num(r.weight_kg)} kg"),
    ("ICE score", "ice", _has_ice, _ice),
)


def latest_vitals(record: PatientRecord) -> list[dict]:
    """The newest value of each measure (they may come from different reports), with its time."""
    tz, rows = record.patient.timezone, []
    newest_first = sorted(record.reports, key=lambda r: (r.recorded_at, r.id), reverse=True)
    for label, key, has, show in MEASURES:
        report = next((r for r in newest_first if has(r)), None)
        if report is not None:
            rows.append(
                {
                    "label": label,
                    "value": show(report),
                    "at": local(report.recorded_at, tz),
                    "day": day_after_infusion(record.patient.infused_at, report.recorded_at, tz),
                    "observation": observation_id(key, report.id),
                }
            )
    return rows


def _flags(report: Report) -> list[str]:
    """Neuro and danger signs answered "yes", in the Questionnaire's words."""
    answers = {**(report.neuro or {}), **(report.signs or {})}
    return [item_label(name) for name in (*NEURO_FLAGS, *SIGNS) if answers.get(name) is True]


def _findings(report: Report) -> dict[str, str]:
    return {
        f.get("rule", ""): f.get("summary", "")
        for f in (report.assessment or {}).get("findings", [])
        if f.get("level") != "routine"
    }


CANT_MEASURE = "can't measure"


def _report_row(report: Report, fresh: list[str]) -> dict:
    """A flowsheet row: CRS signals (T, HR, BP, SpO2), ICANS signals (ICE, neuro signs), and the
    findings that are new (a persisting fever shows in the values, not as a new line each time)."""
    cant = set(report.not_measured or ())  # "can't measure" answers read as such

    def blank(name: str) -> str:
        return CANT_MEASURE if name in cant else ""

    return {
        "level": LEVEL_LABEL.get(report.level, report.level),
        "temp": f"{report.temperature_c:.1f}" if report.temperature_c is not None else blank("temperature"),
        "hr": num(report.heart_rate) if report.heart_rate is not None else blank("heart_rate"),
        "bp": _pressure(report) if _has_bp(report) else blank("blood_pressure"),
        "spo2": num(report.spo2) if report.spo2 is not None else blank("spo2"),
        "ice": _ice(report) if _has_ice(report) else "",
        "neuro": _flags(report),
        "notes": fresh,
    }


def _event_text(event: AlertEvent, names: dict[int | None, str]) -> str | None:
    data, who = event.data or {}, names.get(event.staff_id, "care team")
    if event.kind == "escalation":
        paged, called = data.get("paged"), data.get("called")  # called: phone calls
        parts = ([f"Paged {', '.join(paged)}"] if paged else []) + ([f"called {', '.join(called)}"] if called else [])
        what = " and ".join(parts)
        return f"{what[:1].upper()}{what[1:]} (step {data.get('step')}, round {data.get('round')})" if parts else None
    # A missing key reads as "", which no label has (as None before it): the default is shown.
    texts = {
        "opened": lambda: f"Alert opened ({LEVEL_LABEL.get(data.get('level', ''), '')})",
        "upgraded": lambda: (
            f"Alert upgraded: {LEVEL_LABEL.get(data.get('from', ''))} to {LEVEL_LABEL.get(data.get('to', ''))}"
        ),
        "acknowledged": lambda: f"Acknowledged by {who}",
        "resolved": lambda: f"Resolved by {who}: {DISPOSITION_LABEL.get(data.get('disposition', ''), 'other')}",
        "no_one_on_call": lambda: f"No one on call at step {data.get('step')}: centre admins paged",
        "step_not_reached": lambda: f"Escalation step {data.get('step')} not reached",
        "nobody_reachable": lambda: f"Nobody reachable at step {data.get('step')}: centre admins paged",
    }
    text = texts.get(event.kind)
    return text() if text else None


def _event_row(text: str) -> dict:
    return {"level": "", "temp": "", "hr": "", "bp": "", "spo2": "", "ice": "", "neuro": [], "notes": [text]}


def _rows(record: PatientRecord, alert: Alert) -> tuple[list[tuple[datetime, dict]], int | None]:
    """All rows oldest first, and the index of the onset: this alert's opening report, or else
    the first report with a finding."""
    rows: list[tuple[datetime, dict]] = []
    by_report: dict[int | None, dict] = {}  # looked up by an event's report id, None for most events
    by_receipt: dict[datetime, dict] = {}
    last_fired: dict[str, datetime] = {}
    onset: int | None = None
    for report in record.reports:
        if report.id == alert.opening_report_id:
            onset = len(rows)
        findings = _findings(report)
        # New: the rule had not fired within the day before (measurements are intermittent).
        fresh = [
            f"{track(rule)}: {text}"
            for rule, text in findings.items()
            if rule not in last_fired or report.recorded_at - last_fired[rule] > STILL_ACTIVE
        ]
        last_fired |= dict.fromkeys(findings, report.recorded_at)
        if findings and onset is None and alert.opening_report_id is None:
            onset = len(rows)
        row = _report_row(report, fresh)
        rows.append((report.recorded_at, row))
        by_report[report.id], by_receipt[report.received_at] = row, row
    for event in alert.events:
        if not (text := _event_text(event, record.staff_names)):
            continue
        # What a report's own request did (opened or upgraded the alert, paged) joins its row.
        caused = by_report.get(event.report_id) or (by_receipt.get(event.at) if event.kind in PAGING_EVENTS else None)
        if caused is not None:
            caused["notes"].append(text)
        else:
            rows.append((event.at, _event_row(text)))
    ordered = sorted(range(len(rows)), key=lambda i: rows[i][0])
    return [rows[i] for i in ordered], ordered.index(onset) if onset is not None else None


def timeline(record: PatientRecord, alert: Alert) -> tuple[list[dict], int]:
    """The flowsheet since infusion with this alert's course, oldest first, and how many rows
    were left out: too long for one sheet, it keeps the baseline before the onset, the onset,
    and the most recent rows."""
    tz, infused = record.patient.timezone, record.patient.infused_at
    rows, onset = _rows(record, alert)
    if len(rows) <= MAX_TIMELINE:
        kept = rows
    else:
        head = rows[max(0, onset - 1) : onset + 1] if onset is not None else []
        tail_start = max(len(rows) - (MAX_TIMELINE - len(head)), (onset + 1) if onset is not None else 0)
        kept = head + rows[tail_start:]
    return (
        [{**row, "at": local(at, tz), "day": day_after_infusion(infused, at, tz)} for at, row in kept],
        len(rows) - len(kept),
    )


def _pages(record: PatientRecord, alert: Alert) -> list[dict]:
    tz = record.patient.timezone
    return [
        {
            "at": local(n.sent_at or n.created_at, tz),
            "to": f"{record.staff_names.get(n.staff_id, 'care team')} ({CHANNEL_WORDS.get(n.channel, n.channel)})",
            "step": (n.escalation_step or 0) + 1,
            "status": PAGE_STATE.get(n.state, n.state),
        }
        for n in record.pages_of(alert)
    ]


def current_findings(alert: Alert) -> list[str]:
    """The latest summary of each rule that fired, most severe first: a repeated fever is one line."""
    latest = {f.get("rule"): f for f in alert.findings if f.get("summary")}
    ranked = sorted(latest.values(), key=lambda f: -Level.rank(f.get("level")))
    return [f["summary"] for f in ranked]


def _alert(record: PatientRecord, alert: Alert) -> dict:
    tz, names = record.patient.timezone, record.staff_names
    acknowledged = (
        f"{names.get(alert.acknowledged_by_id, 'care team')} at {local(alert.acknowledged_at, tz)}"
        if alert.acknowledged_at
        else None
    )
    return {
        "id": alert.id,
        "level": LEVEL_LABEL.get(alert.level, alert.level),
        "level_code": alert.level,
        "status": alert.status,
        "opened_at": local(alert.opened_at, tz),
        "acknowledged": acknowledged,
        "disposition": DISPOSITION_LABEL.get(alert.disposition) if alert.disposition else None,
        "findings": current_findings(alert),
        "paged_texts": list(dict.fromkeys(n.body for n in record.pages_of(alert) if n.purpose == "page")),
    }


def handoff_summary(record: PatientRecord, alert: Alert, now: datetime) -> dict:
    patient, center, tz = record.patient, record.center, record.patient.timezone
    window = window_of(patient, record.protocol)
    rows, omitted = timeline(record, alert)
    return {
        "generated_at": local(now, tz),
        "patient": {
            "name": patient.name,
            "mrn": patient.mrn,
            "caregiver_name": patient.caregiver_name,
            "caregiver_phone": patient.caregiver_phone,
        },
        "therapy": {
            "product": PRODUCT_DISPLAY[patient.product],
            "target": patient.target,
            "infusion_date": local_infusion_date(patient.infused_at, tz).isoformat(),
            "day": day_after_infusion(patient.infused_at, now, tz),
            "monitoring_through": last_monitored_day(patient, window).isoformat(),
            "in_window": now < window.monitoring_ends_at,
        },
        "center": {"name": center.name, "phone": center.phone or "not recorded"},
        "alert": _alert(record, alert),
        "baseline_notice": baseline_notice(patient),
        "vitals": latest_vitals(record),
        "timeline": rows,
        "timeline_omitted": omitted,
        "pages": _pages(record, alert),
    }
