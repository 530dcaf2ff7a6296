"""The check-in schedule: local clock times by calendar arithmetic, DST-safe, phases by day after
infusion, a rolling horizon that gives the same check-ins however it is cut."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.protocols.defaults import SHIPPED
from app.protocols.schedule import (
    PlannedCheckIn,
    ladder_times,
    monitoring_phase_label,
    next_planned_check_in,
    phase_for_day,
    planned_check_ins,
)
from app.services.restrictions import compute_restrictions
from tests.rules.test_purity import violations

NEW_YORK, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
PROTOCOLS = {p["family"]: p["content"] for p in SHIPPED}
US_CD19, UK = PROTOCOLS["us-cd19"], PROTOCOLS["uk-default"]
FOUR = ["08:00", "12:00", "16:00", "20:00"]


def plan(
    content: dict, infused_at: datetime, tz: str = "America/New_York", days: int = 30, start: datetime | None = None
) -> list[PlannedCheckIn]:
    start = start or infused_at
    return planned_check_ins(content, infused_at, tz, start, start + timedelta(days=days))


def local_times(check_ins: list[PlannedCheckIn], zone: ZoneInfo, on: date) -> list[str]:
    return [c.due_at.astimezone(zone).strftime("%H:%M") for c in check_ins if c.due_at.astimezone(zone).date() == on]


def on_day(check_ins: list[PlannedCheckIn], day: int) -> list[PlannedCheckIn]:
    return [c for c in check_ins if c.day == day]


def late_and_beyond(check_ins: list[PlannedCheckIn]) -> list[PlannedCheckIn]:
    return [c for c in check_ins if c.day > 30]


# ---- acceptance: a Yescarta patient at a US centre --------------------------------------------

YESCARTA_INFUSED = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 10:30 in New York; day 0 = 20 Nov


def test_yescarta_us_daily_check_ins_days_0_to_7_at_the_protocols_local_times() -> None:
    check_ins = plan(US_CD19, YESCARTA_INFUSED, days=10)
    # Day 0 starts at the infusion (10:30): the 08:00 check-in of that morning is not planned.
    assert local_times(check_ins, NEW_YORK, date(2026, 11, 20)) == ["12:00", "16:00", "20:00"]
    for day in range(1, 8):
        assert local_times(check_ins, NEW_YORK, date(2026, 11, 20) + timedelta(days=day)) == FOUR, day
        assert {c.phase for c in on_day(check_ins, day)} == {"days-0-7"}
        assert {c.missed_level for c in on_day(check_ins, day)} == {"urgent"}
    # S1 (docs/clinical-rules.md): days 8–14 step down to three a day.
    assert local_times(check_ins, NEW_YORK, date(2026, 11, 28)) == ["08:00", "14:00", "20:00"]


def test_yescarta_us_restriction_dates_are_14_days_after_infusion() -> None:
    dates = compute_restrictions(YESCARTA_INFUSED, "America/New_York", US_CD19["restrictions"])
    assert dates.stay_near_center_until == date(2026, 12, 4)
    assert dates.no_driving_until == date(2026, 12, 4)


def test_yescarta_uk_restriction_dates_are_28_and_56_days_after_infusion() -> None:
    infused = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    dates = compute_restrictions(infused, "Europe/London", UK["restrictions"])
    assert (dates.stay_near_center_until, dates.no_driving_until) == (date(2026, 12, 18), date(2027, 1, 15))
    check_ins = plan(UK, infused, "Europe/London", days=9)
    assert local_times(check_ins, LONDON, date(2026, 11, 21)) == FOUR


def test_asks_follow_the_time_of_day_in_the_acute_week() -> None:
    day1 = on_day(plan(US_CD19, YESCARTA_INFUSED, days=3), 1)
    morning, noon, _, evening = (c.asks for c in day1)
    # S1: neuro twice a day, one handwriting sample a day, vitals at every check-in.
    assert {"vitals", "neuro", "ice", "handwriting"} <= set(morning)
    assert {"vitals", "neuro", "ice"} <= set(evening) and "handwriting" not in evening
    assert "vitals" in noon and "neuro" not in noon


# ---- DST: same local clock, different UTC -------------------------------------------------------


def test_new_york_across_the_november_dst_change_keeps_the_same_local_times() -> None:
    infused = datetime(2026, 10, 27, 14, 0, tzinfo=UTC)  # 10:00 EDT; 1 Nov 2026 is day 5
    check_ins = plan(US_CD19, infused, days=8)
    before, after = date(2026, 10, 31), date(2026, 11, 1)
    assert local_times(check_ins, NEW_YORK, before) == local_times(check_ins, NEW_YORK, after) == FOUR
    saturday = [c for c in check_ins if c.due_at.astimezone(NEW_YORK).date() == before]
    sunday = [c for c in check_ins if c.due_at.astimezone(NEW_YORK).date() == after]
    assert {c.due_at.astimezone(NEW_YORK).utcoffset() for c in saturday} == {timedelta(hours=-4)}
    assert {c.due_at.astimezone(NEW_YORK).utcoffset() for c in sunday} == {timedelta(hours=-5)}
    # The same 08:00 is an hour later in UTC once the clocks go back.
    assert (saturday[0].due_at.hour, sunday[0].due_at.hour) == (12, 13)
    assert sunday[0].due_at - saturday[0].due_at == timedelta(hours=25)


def test_new_york_across_the_march_dst_change_keeps_the_same_local_times() -> None:
    infused = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 10:00 EST; 8 Mar 2026 is day 4
    check_ins = plan(US_CD19, infused, days=6)
    saturday, sunday = date(2026, 3, 7), date(2026, 3, 8)
    assert local_times(check_ins, NEW_YORK, saturday) == local_times(check_ins, NEW_YORK, sunday) == FOUR
    first = {c.due_at.astimezone(NEW_YORK).date(): c.due_at for c in reversed(check_ins)}
    assert first[saturday].astimezone(NEW_YORK).utcoffset() == timedelta(hours=-5)
    assert first[sunday].astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)
    assert first[sunday] - first[saturday] == timedelta(hours=23)


def _night_owl(time: str) -> dict:
    """A protocol with one check-in at a DST edge time (shipped waking hours never reach there)."""
    content = copy.deepcopy(US_CD19)
    content["waking_hours"] = {"start": "00:00", "end": "23:59"}
    for phase in content["phases"]:
        phase.update(times=[time], asks_at={}, every_days=1, day_offsets=[0], weekly_asks=[])
    return content


def test_a_local_time_inside_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    # 02:30 does not exist in New York on 8 Mar 2026; it becomes 03:30 EDT.
    check_ins = plan(_night_owl("02:30"), datetime(2026, 3, 1, 12, 0, tzinfo=UTC), days=10)
    due = next(c.due_at for c in check_ins if c.due_at.astimezone(NEW_YORK).date() == date(2026, 3, 8))
    assert due == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert due.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"


def test_an_ambiguous_local_time_takes_its_first_occurrence() -> None:
    # 01:30 happens twice in New York on 1 Nov 2026; the first (EDT) is meant.
    check_ins = plan(_night_owl("01:30"), datetime(2026, 10, 25, 12, 0, tzinfo=UTC), days=10)
    due = next(c.due_at for c in check_ins if c.day == 7)
    assert due == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert due.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:30 EDT"


def test_europe_london_across_the_october_change_keeps_the_same_local_times() -> None:
    infused = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # 10:00 BST; BST ends 25 Oct 2026 (day 5)
    check_ins = plan(UK, infused, "Europe/London", days=8)
    assert (
        local_times(check_ins, LONDON, date(2026, 10, 24)) == local_times(check_ins, LONDON, date(2026, 10, 25)) == FOUR
    )
    mornings = [c.due_at for c in check_ins if c.due_at.astimezone(LONDON).strftime("%H:%M") == "08:00"]
    assert [m.hour for m in mornings[3:5]] == [7, 8]  # 08:00 BST = 07:00 UTC, then 08:00 GMT


def test_the_local_infusion_date_is_day_0_not_the_utc_date() -> None:
    infused = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 22:00 on 19 Nov in New York
    check_ins = plan(US_CD19, infused, days=2)
    assert check_ins[0].day == 1
    assert check_ins[0].due_at.astimezone(NEW_YORK) == datetime(2026, 11, 20, 8, 0, tzinfo=NEW_YORK)


# ---- Aucatzyl: split dose --------------------------------------------------------------------


def test_aucatzyl_watches_four_times_a_day_again_after_the_second_dose() -> None:
    content = PROTOCOLS["us-aucatzyl"]
    infused = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)  # 09:00 EDT
    check_ins = plan(content, infused, days=45)
    per_day = Counter(c.day for c in check_ins)
    assert [per_day[d] for d in (7, 8, 9, 10, 17, 18, 24, 25)] == [4, 3, 3, 4, 4, 3, 3, 2]
    assert {c.phase for c in on_day(check_ins, 10)} == {"dose-2-days-10-17"}
    # §1.2 28 days near the centre: silence stays urgent to day 28, then a same-day call.
    assert {c.missed_level for c in check_ins if c.day <= 28} == {"urgent"}
    assert {c.missed_level for c in check_ins if 29 <= c.day <= 40} == {"same_day"}
    # R17/R19: the caregiver question until day 27, the driving question until day 55.
    assert "caregiver" in on_day(check_ins, 27)[0].asks and "caregiver" not in on_day(check_ins, 28)[0].asks
    assert "driving" in on_day(check_ins, 28)[0].asks


# ---- late phases -------------------------------------------------------------------------------


def test_bcma_late_phase_checks_movement_twice_a_week_to_day_100_and_monthly_beyond() -> None:
    infused = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
    check_ins = plan(PROTOCOLS["us-abecma"], infused, days=400)
    late = [c.day for c in check_ins if 31 <= c.day <= 100]
    assert late[:4] == [31, 34, 38, 41]  # §6: 2×/week movement/handwriting
    beyond = [c for c in check_ins if c.day > 100]
    assert [c.day for c in beyond[:4]] == [101, 129, 157, 185]
    assert all({"movement", "handwriting"} <= set(c.asks) for c in late_and_beyond(check_ins))
    assert {c.phase for c in beyond} == {"day-101-on"} and {c.missed_level for c in beyond} == {"routine"}


def test_cd19_late_phase_is_weekly_to_day_100_then_monthly_to_a_year() -> None:
    check_ins = plan(US_CD19, YESCARTA_INFUSED, days=500)
    assert [c.day for c in check_ins if 31 <= c.day <= 45] == [31, 38, 45]
    monthly = [c.day for c in check_ins if c.day > 100]
    assert monthly[:2] == [101, 129] and monthly[-1] <= 365
    assert all(b - a == 28 for a, b in zip(monthly, monthly[1:], strict=False))


def test_carvykti_late_phase_asks_about_diarrhoea_three_times_a_week() -> None:
    check_ins = plan(PROTOCOLS["us-carvykti"], YESCARTA_INFUSED, days=60)
    week = [c for c in check_ins if 31 <= c.day <= 37]
    assert [c.day for c in week] == [31, 33, 35]
    assert all("diarrhea" in c.asks for c in week)
    assert [c.day for c in week if "weight" in c.asks] == [31]


def test_weekly_pro_items_come_once_on_the_phases_weekly_day() -> None:
    check_ins = [c for c in plan(US_CD19, YESCARTA_INFUSED, days=31) if c.day <= 30]
    with_pro = [(c.day, c.due_at.astimezone(NEW_YORK).strftime("%H:%M")) for c in check_ins if "weekly_pro" in c.asks]
    assert with_pro == [(15, "08:00"), (22, "08:00"), (29, "08:00")]


def test_restriction_questions_stop_the_day_the_restriction_does() -> None:
    check_ins = plan(US_CD19, YESCARTA_INFUSED, days=20)
    asked = {c.day for c in check_ins if "driving" in c.asks}
    assert asked == set(range(14))  # R17: driving before d14 (US)
    assert all(len([c for c in on_day(check_ins, d) if "caregiver" in c.asks]) == 1 for d in range(14))


def test_uk_asks_about_driving_on_every_check_in_day_before_day_56() -> None:
    check_ins = plan(UK, YESCARTA_INFUSED, "Europe/London", days=70)
    first_of_day = {c.day: c for c in reversed(check_ins)}
    assert {d for d, c in first_of_day.items() if "driving" in c.asks} == {d for d in first_of_day if d < 56}
    assert {d for d, c in first_of_day.items() if "caregiver" in c.asks} == {d for d in first_of_day if d < 28}
    assert max(first_of_day) > 56


# ---- phases by day -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (-1, "before-infusion"),
        (0, "days-0-7"),
        (7, "days-0-7"),
        (8, "days-8-14"),
        (14, "days-8-14"),
        (15, "days-15-30"),
        (30, "days-15-30"),
        (31, "days-31-100"),
        (100, "days-31-100"),
        (101, "days-101-365"),
        (365, "days-101-365"),
        (366, "after-monitoring"),
    ],
)
def test_phases_by_day(day: int, label: str) -> None:
    assert monitoring_phase_label(US_CD19, day) == label
    phase = phase_for_day(US_CD19, day)
    outside = label in ("before-infusion", "after-monitoring")
    assert (phase["name"] if phase else None) == (None if outside else label)


def test_an_open_ended_phase_covers_every_later_day() -> None:
    assert phase_for_day(PROTOCOLS["us-abecma"], 5000)["name"] == "day-101-on"


def test_content_without_phases_plans_nothing() -> None:
    # Protocol versions stored before phases existed must not break the clock.
    old = {"restrictions": US_CD19["restrictions"], "thresholds": {}}
    assert plan(old, YESCARTA_INFUSED) == []
    assert monitoring_phase_label(old, 3) == "after-monitoring"


# ---- the rolling horizon -----------------------------------------------------------------------


def test_the_horizon_includes_its_start_and_excludes_its_end() -> None:
    due = datetime(2026, 11, 22, 13, 0, tzinfo=UTC)  # 08:00 EST on day 2
    next_due = due + timedelta(hours=4)
    check_ins = planned_check_ins(US_CD19, YESCARTA_INFUSED, "America/New_York", due, next_due)
    assert [c.due_at for c in check_ins] == [due]
    assert planned_check_ins(US_CD19, YESCARTA_INFUSED, "America/New_York", due + timedelta(seconds=1), next_due) == []


def test_consecutive_horizons_give_exactly_the_full_schedule() -> None:
    whole = plan(US_CD19, YESCARTA_INFUSED, days=40)
    pieces: list[PlannedCheckIn] = []
    cursor = YESCARTA_INFUSED
    while cursor < YESCARTA_INFUSED + timedelta(days=40):
        pieces += planned_check_ins(US_CD19, YESCARTA_INFUSED, "America/New_York", cursor, cursor + timedelta(hours=7))
        cursor += timedelta(hours=7)
    assert pieces == whole  # same due times *and* the same asks, however the horizon is cut


def test_a_48_hour_horizon_stays_small() -> None:
    for start_day in range(0, 120, 3):
        start = YESCARTA_INFUSED + timedelta(days=start_day)
        assert (
            len(planned_check_ins(US_CD19, YESCARTA_INFUSED, "America/New_York", start, start + timedelta(hours=48)))
            <= 8
        )


def test_nothing_is_planned_before_the_infusion() -> None:
    check_ins = planned_check_ins(
        US_CD19,
        YESCARTA_INFUSED,
        "America/New_York",
        YESCARTA_INFUSED - timedelta(days=3),
        YESCARTA_INFUSED + timedelta(hours=3),
    )
    assert [c.due_at.astimezone(NEW_YORK).strftime("%d %H:%M") for c in check_ins] == ["20 12:00"]


def test_times_outside_waking_hours_are_skipped_even_in_unvalidated_content() -> None:
    content = copy.deepcopy(US_CD19)
    content["phases"][0]["times"] = ["05:00", "08:00", "23:00"]
    check_ins = plan(content, YESCARTA_INFUSED, days=3)
    assert local_times(check_ins, NEW_YORK, date(2026, 11, 21)) == ["08:00"]


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        planned_check_ins(
            US_CD19, YESCARTA_INFUSED, "America/New_York", datetime(2026, 11, 21), datetime(2026, 11, 22, tzinfo=UTC)
        )


# ---- window and ladder -------------------------------------------------------------------------


def test_each_check_in_is_open_for_the_protocols_window() -> None:
    for check_in in plan(US_CD19, YESCARTA_INFUSED, days=3):
        assert check_in.window_ends_at - check_in.due_at == timedelta(minutes=120)
        assert check_in.due_at.tzinfo is not None and check_in.due_at.utcoffset() == timedelta(0)


def test_ladder_reminds_then_asks_the_caregiver_then_counts_the_check_in_missed() -> None:
    due = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT: the ladder runs across the DST change
    ladder = ladder_times(US_CD19, due)
    assert (ladder.reminder_at - due, ladder.second_reminder_at - due, ladder.missed_at - due) == (
        timedelta(minutes=0),
        timedelta(minutes=60),
        timedelta(minutes=120),
    )


def test_next_check_in_finds_a_monthly_one_weeks_ahead_and_none_after_the_last_phase() -> None:
    after = YESCARTA_INFUSED + timedelta(days=102)
    found = next_planned_check_in(US_CD19, YESCARTA_INFUSED, "America/New_York", after)
    assert found is not None and found.day == 129
    assert (
        next_planned_check_in(US_CD19, YESCARTA_INFUSED, "America/New_York", YESCARTA_INFUSED + timedelta(days=366))
        is None
    )


# ---- purity ----------------------------------------------------------------------------------


def test_the_schedule_module_is_pure() -> None:
    source = Path(__file__).resolve().parents[2] / "app" / "protocols" / "schedule.py"
    assert violations(source.read_text(encoding="utf-8")) == []
