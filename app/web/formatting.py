"""How times, durations and levels read on the care team's pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.rules import Level

LEVEL_LABELS = {"emergency": "Emergency", "urgent": "Urgent", "same_day": "Same day", "routine": "Routine"}


def local_time(value: datetime | None, tz: str, fmt: str = "%a %d %b %H:%M") -> str:
    """A UTC instant in the centre's or patient's zone, with the zone's abbreviation."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(tz))
    return f"{local.strftime(fmt)} {local.tzname()}"


def duration(delta: timedelta) -> str:
    """'4 min', '2 h 05 min', '3 d 4 h': precise where it matters (the first hours)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def top_findings(findings: list[dict], limit: int = 3) -> list[dict]:
    """The most serious findings first, each summary once; routine notes only if nothing else."""
    ranked = sorted(findings, key=lambda f: Level.rank(f.get("level")), reverse=True)
    serious = [f for f in ranked if f.get("level") != "routine"] or ranked
    seen: set[str | None] = set()
    unique = []
    for finding in serious:
        if finding.get("summary") not in seen:
            seen.add(finding.get("summary"))
            unique.append(finding)
    return unique[:limit]


def masked_phone(phone: str | None) -> str:
    return f"…{phone[-4:]}" if phone else "—"


# Whether the last page reached the phone, in the words a nurse scanning the queue needs.
DELIVERY_LABELS = {
    "pending": "queued",
    "sending": "sending",
    "sent": "sent, not yet confirmed",
    "delivered": "delivered",
    "undelivered": "NOT delivered",
    "failed": "NOT delivered (failed)",
    "unconfirmed": "not confirmed in time",
    "cancelled": "cancelled",
    "answered": "answered",
    "unanswered": "NOT answered (no answer, busy or voicemail)",
}


def delivery_label(state: str | None) -> str:
    return DELIVERY_LABELS.get(state or "", state or "—")
