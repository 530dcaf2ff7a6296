"""The text of pages and notices sent to the care team (English, GSM-7, at most 2 segments).

Minimum necessary health information: initials and the last 4 of the MRN (initials can
be turned off per deployment), day after infusion, level, the top findings with numbers, the ACK
code and a link. The ACK code and link are never cut; findings are shortened to fit.
"""

from __future__ import annotations

from app.notify.gsm import sms_segments, to_gsm7, truncate_to_segments
from app.rules.text import duration

MAX_SEGMENTS = 2
MAX_FINDINGS = 3


def patient_label(name: str, mrn: str, show_initials: bool) -> str:
    tail = "".join(ch for ch in mrn if ch.isalnum())[-4:]
    if not show_initials:
        return f"MRN ..{tail}"
    initials = ".".join(part[0].upper() for part in name.split() if part[:1].isalpha())
    return f"{initials}. MRN ..{tail}" if initials else f"MRN ..{tail}"


def page_text(
    *,
    level: str,
    label: str,
    day: int,
    findings: list[str],
    ack_code: str,
    link: str,
    prefix: str = "",
    late_minutes: int | None = None,
    no_baseline: bool = False,
) -> str:
    # L1: how late the report reached the server goes in the head, which is never shortened.
    late = f", LATE REPORT recorded {duration(late_minutes)} before received" if late_minutes else ""
    # R20: relative rules are off for want of a day-0 baseline. 13 characters in the head (never
    # shortened), taken from the findings' budget: the clinician called at night must know that a
    # reading inside the absolute limits was not compared with the patient's own normal.
    marker = ", NO BASELINE" if no_baseline else ""
    head = to_gsm7(f"{prefix}VIGIL {level.upper().replace('_', '-')}: {label}, day {day}{marker}{late}: ")
    tail = to_gsm7(f" Reply ACK {ack_code} {link}")
    body = to_gsm7("; ".join(findings[:MAX_FINDINGS]) or "see alert")
    text = head + body + tail
    if sms_segments(text) <= MAX_SEGMENTS:
        return text
    # Shorten only the findings: the code and the link are what the person acts on.
    budget_text = truncate_to_segments(head + body + " " * len(tail), MAX_SEGMENTS)
    kept = budget_text[len(head) :].rstrip()
    while kept and sms_segments(head + kept + tail) > MAX_SEGMENTS:
        kept = kept[:-1]
    return head + kept.rstrip(" ;,.") + ".." + tail


def ack_notice(ack_code: str, label: str, by_name: str) -> str:
    return to_gsm7(f"VIGIL: alert {ack_code} ({label}) acknowledged by {by_name}. No action needed.")


def no_on_call_prefix(center_name: str) -> str:
    return f"NO ONE ON CALL at {center_name}; you are paged instead. "


def nobody_reachable_prefix(step: int) -> str:
    return f"NOBODY REACHABLE at step {step}; you are paged instead. "
