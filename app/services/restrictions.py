"""Restriction dates a patient is told, from the protocol's lengths and the infusion time.

Day 0 is the infusion day in the patient's own time zone (docs/clinical-rules.md D1); "14 days near
the centre" ends on the local date infusion + 14 days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.protocols.settings import RestrictionDays


@dataclass(frozen=True)
class Restrictions:
    stay_near_center_until: date
    no_driving_until: date
    caregiver_until: date
    monitoring_ends_at: datetime  # end of the last monitored local day, as UTC


def local_infusion_date(infused_at: datetime, tz: str) -> date:
    return infused_at.astimezone(ZoneInfo(tz)).date()


def day_after_infusion(infused_at: datetime, at: datetime, tz: str) -> int:
    """Calendar days since the infusion day in local time (day 0 = infusion day)."""
    zone = ZoneInfo(tz)
    return (at.astimezone(zone).date() - infused_at.astimezone(zone).date()).days


def compute_restrictions(infused_at: datetime, tz: str, lengths: RestrictionDays | Mapping[str, int]) -> Restrictions:
    days = lengths if isinstance(lengths, RestrictionDays) else RestrictionDays(**lengths)
    day0 = local_infusion_date(infused_at, tz)
    last_monitored = day0 + timedelta(days=days.monitoring_days)
    # Midnight after the last monitored day, in local time; zoneinfo handles the DST offset.
    end_local = datetime.combine(last_monitored + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))
    return Restrictions(
        stay_near_center_until=day0 + timedelta(days=days.stay_near_center_days),
        no_driving_until=day0 + timedelta(days=days.no_driving_days),
        caregiver_until=day0 + timedelta(days=days.caregiver_days),
        monitoring_ends_at=end_local.astimezone(ZoneInfo("UTC")),
    )
