"""The protocols Vigil ships, as data. Clinicians derive their own versions from these.

Format: app/protocols/content.py. Every number cites its id in docs/clinical-rules.md.
Restriction lengths (R17–R19): the June 2025 US class labels (≥2 weeks near the centre, ≥2 weeks
no driving, daily monitoring ≥1 week); EU SmPCs and UK leaflets (4 weeks near, 8 weeks no
driving); Aucatzyl never had a REMS and its patient information still says 4 and 8 weeks.
Check-in cadence: S1, DESIGN; the missed-check-in level follows the acute window (d0–14 US,
d0–28 EU/UK) and R12: in the acute window silence can mean the patient cannot answer.

Families: us-cd19, us-abecma, us-carvykti, us-aucatzyl, eu-default, uk-default, plus
eu-aucatzyl and uk-aucatzyl. Aucatzyl has its own EU/UK families because its second dose
(about day 10) needs the four-a-day watch again, which the all-product EU/UK schedule cannot give.
"""

from __future__ import annotations

import copy
from dataclasses import asdict

from app.protocols.settings import CheckInLadder, Paging, WakingHours

CD19 = ["kymriah", "yescarta", "tecartus", "breyanzi"]
BCMA = ["abecma", "carvykti"]
ALL_PRODUCTS = CD19 + BCMA + ["aucatzyl"]
# EU/UK Aucatzyl patients get eu-/uk-aucatzyl (split dose), every other product the default.
EU_UK_DEFAULT_PRODUCTS = CD19 + BCMA


def _restrictions(near: int, driving: int, caregiver: int, monitoring: int) -> dict:
    return {
        "stay_near_center_days": near,
        "no_driving_days": driving,
        "caregiver_days": caregiver,
        "monitoring_days": monitoring,
    }


# R17–R19 (US, June 2025 labels): 14 days near the centre, 14 days no driving; caregiver
# 2 weeks per the post-update manufacturer site ("Explore Cell Therapy").
US_RESTRICTIONS = _restrictions(near=14, driving=14, caregiver=14, monitoring=14)
# R17–R19 (EU SmPC, UK leaflets): 28 days near (and with a caregiver), 56 days no driving.
EU_UK_RESTRICTIONS = _restrictions(near=28, driving=56, caregiver=28, monitoring=28)
# R17–R19, Aucatzyl patient information: ≥4 weeks near, ≥8 weeks no driving; no 2-week alignment found.
AUCATZYL_RESTRICTIONS = _restrictions(near=28, driving=56, caregiver=28, monitoring=28)

# Waking hours (07:00–22:00), the check-in ladder (R12: 0, 60, 120 min) and the paging confirmation
# (10 min) are the defaults of app/protocols/settings.py, where each says why; shipped as they are.
WAKING_HOURS = asdict(WakingHours())
CHECK_IN = asdict(CheckInLadder())
PAGING = asdict(Paging())

# ---- what a check-in asks ---------------------------------------------------------------------
# S1: vitals at every early check-in; R7/R8a need "new dizziness" and "new
# breathlessness" beside every vitals set, so symptoms come with them [DESIGN].
VITALS = ["vitals", "symptoms"]
# S1 "Neuro (handwriting + ICE-like)"; S2 caregiver-administered; R9, R10.
NEURO = ["neuro", "ice", "handwriting"]
# R13 (Santomasso 2023: handwriting, movement, personality days 1–30; Cohen 2022:
# handwriting and surveillance beyond day 100).
BCMA_NEURO = NEURO + ["movement"]
# Late-phase neuro without ICE: ICE tracks ICANS (R10), the late watch is checklist and
# handwriting (R13; neuropsychiatric late effects, Chakraborty 2021).
LATE_NEURO = ["neuro", "handwriting"]
# R14, IEC-EC (Carvykti boxed Oct 2025): diarrhoea/abdominal pain and weight.
IEC = ["diarrhea"]


def _phase(
    name: str,
    days: tuple[int, int | None],
    times: list[str],
    asks: list[str],
    missed: str,
    *,
    asks_at: dict[str, list[str]] | None = None,
    every_days: int = 1,
    day_offsets: list[int] | None = None,
    weekly_asks: list[str] | None = None,
) -> dict:
    return {
        "name": name,
        "from_day": days[0],
        "to_day": days[1],
        "times": times,
        "every_days": every_days,
        "day_offsets": day_offsets or [0],
        "asks": asks,
        "asks_at": asks_at or {},
        "weekly_asks": weekly_asks or [],
        "missed_level": missed,
    }


# S1 rows: 0–7 vitals 4×/day and neuro 2×/day; 8–14 vitals 3×/day, neuro
# daily; 15–30 temperature 2×/day, full set and neuro daily, weekly PRO-CTCAE. Times [DESIGN]:
# four hours apart (inpatient norm q4h, NCI supportive-care table) inside waking hours.
FOUR_A_DAY = ["08:00", "12:00", "16:00", "20:00"]
THREE_A_DAY = ["08:00", "14:00", "20:00"]
TWICE_A_DAY = ["08:00", "20:00"]


def four_a_day(
    name: str,
    days: tuple[int, int],
    neuro: list[str],
    missed: str = "urgent",
    extra: list[str] | None = None,
    weekly: list[str] | None = None,
) -> dict:
    # S1 0–7: neuro twice a day (morning and evening), handwriting once (one sample a day).
    evening = [a for a in neuro if a != "handwriting"]
    morning = VITALS + neuro + (extra or [])
    return _phase(
        name,
        days,
        FOUR_A_DAY,
        VITALS,
        missed,
        weekly_asks=weekly,
        asks_at={"08:00": morning, "20:00": VITALS + evening},
    )


def three_a_day(
    name: str,
    days: tuple[int, int],
    neuro: list[str],
    missed: str = "urgent",
    extra: list[str] | None = None,
    weekly: list[str] | None = None,
) -> dict:
    # S1 8–14: neuro daily, in the morning.
    return _phase(
        name, days, THREE_A_DAY, VITALS, missed, weekly_asks=weekly, asks_at={"08:00": VITALS + neuro + (extra or [])}
    )


def twice_a_day(
    name: str,
    days: tuple[int, int],
    neuro: list[str],
    missed: str,
    extra: list[str] | None = None,
    weekly: list[str] | None = None,
) -> dict:
    # S1 15–30: full set + neuro in the morning, temperature only in the evening; weekly PRO.
    # CD19 gets daily neuro too (S1 says every 2 days): asks are per time, not per day [DESIGN].
    return _phase(
        name,
        days,
        TWICE_A_DAY,
        ["temperature"],
        missed,
        weekly_asks=["weekly_pro"] + (weekly or []),
        asks_at={"08:00": VITALS + neuro + (extra or [])},
    )


# ---- US CD19: Kymriah, Yescarta, Tecartus, Breyanzi --------------------------------------------
US_CD19_PHASES = [
    # FDA 2025 labels: daily monitoring ≥1 week; acute window d0–14 (US): missed = urgent (R12).
    four_a_day("days-0-7", (0, 7), NEURO),
    three_a_day("days-8-14", (8, 14), NEURO),
    # S1 15–30 row; after the acute window a missed check-in is a same-day call.
    twice_a_day("days-15-30", (15, 30), NEURO, "same_day"),
    # S1 31–100 "weekly" neuro and PRO-CTCAE (brief: CD19 weekly to day 100); R16: infection is the
    # main risk after ~d28, so temperature too (R16). Late phase: missed = routine.
    _phase(
        "days-31-100",
        (31, 100),
        ["10:00"],
        ["temperature", "symptoms"] + LATE_NEURO + ["weekly_pro"],
        "routine",
        every_days=7,
    ),
    # S1 >100 "monthly"; immune-related events monthly to 1 year (Chakraborty 2021).
    _phase(
        "days-101-365",
        (101, 365),
        ["10:00"],
        ["temperature", "symptoms"] + LATE_NEURO + ["weekly_pro"],
        "routine",
        every_days=28,
    ),
]


# ---- US BCMA: Abecma, Carvykti ------------------------------------------------------------------
def _bcma_phases(extra: list[str], weekly: list[str], late_offsets: list[int]) -> list[dict]:
    late = ["temperature", "symptoms"] + LATE_NEURO + ["movement"] + extra
    return [
        four_a_day("days-0-7", (0, 7), BCMA_NEURO, extra=extra, weekly=weekly),
        # No weekly items in days 8–14: its weekly day (8) would follow day 7's by one day.
        three_a_day("days-8-14", (8, 14), BCMA_NEURO, extra=extra),
        # S1 15–30: neuro daily for BCMA.
        twice_a_day("days-15-30", (15, 30), BCMA_NEURO, "same_day", extra=extra, weekly=weekly),
        # S1 31–100 "BCMA: 2×/week movement/handwriting", weekly PRO-CTCAE; R13 window.
        _phase(
            "days-31-100",
            (31, 100),
            ["10:00"],
            late,
            "routine",
            every_days=7,
            day_offsets=late_offsets,
            weekly_asks=["weekly_pro"] + weekly,
        ),
        # S1 >100 "monthly (BCMA)"; surveillance "beyond day 100" (Cohen 2022), parkinsonism
        # ~3 months and later (Van Oekelen 2021): open-ended until the team completes the patient.
        _phase("day-101-on", (101, None), ["10:00"], late + weekly + ["weekly_pro"], "routine", every_days=28),
    ]


# S1 "2×/week": days 0 and 3 of each week of the phase.
US_ABECMA_PHASES = _bcma_phases(extra=[], weekly=[], late_offsets=[0, 3])
# Carvykti adds the R14 IEC-EC watch: diarrhoea items with every morning check-in, weight weekly
# (first weighing on day 0 = the phase's first day). Days 31–100 three times a week, not two:
# R14 counts diarrhoea on ≥3 days (iec_diarrhea_min_days) within 7, which two check-ins a week
# can never show [DESIGN].
US_CARVYKTI_PHASES = _bcma_phases(extra=IEC, weekly=["weight"], late_offsets=[0, 2, 4])


# ---- Aucatzyl: split dose day 0 and about day 10 -----------------------------------------------
# D1: day 0 = first dose, second dose ~day 10 (±2). After each dose the S1 schedule starts again
# (4×/day for a week, then 3×/day); Aucatzyl: 28 days near the centre, so the acute window
# (missed = urgent) is 28 days, like the EU/UK one.
AUCATZYL_PHASES = [
    four_a_day("dose-1-days-0-7", (0, 7), NEURO),
    three_a_day("dose-1-days-8-9", (8, 9), NEURO),
    four_a_day("dose-2-days-10-17", (10, 17), NEURO),
    three_a_day("dose-2-days-18-24", (18, 24), NEURO),
    # S1 15–30 row counted from the second dose (days 25–40), split at day 28 for the missed level.
    twice_a_day("days-25-28", (25, 28), NEURO, "urgent"),
    twice_a_day("days-29-40", (29, 40), NEURO, "same_day"),
    _phase(
        "days-41-100",
        (41, 100),
        ["10:00"],
        ["temperature", "symptoms"] + LATE_NEURO + ["weekly_pro"],
        "routine",
        every_days=7,
    ),
    _phase(
        "days-101-365",
        (101, 365),
        ["10:00"],
        ["temperature", "symptoms"] + LATE_NEURO + ["weekly_pro"],
        "routine",
        every_days=28,
    ),
]


# ---- EU / UK: every product but Aucatzyl ---------------------------------------------------------
# One schedule for CD19 and BCMA products, so it carries the BCMA movement checks (R13) and the
# Carvykti diarrhoea/weight items (R14) for everyone: a few extra questions for CD19 patients
# rather than a missed Carvykti signal. Acute window d0–28 for EU/UK: missed = urgent to day 28.
EU_UK_PHASES = [
    four_a_day("days-0-7", (0, 7), BCMA_NEURO, extra=IEC, weekly=["weight"]),
    three_a_day("days-8-14", (8, 14), BCMA_NEURO, extra=IEC),  # weighed on day 7, next on day 15
    twice_a_day("days-15-28", (15, 28), BCMA_NEURO, "urgent", extra=IEC, weekly=["weight"]),
    # Days 29–56: still no driving (EU/UK 8 weeks; R17); clinic 1–2×/week from day 15 (S1). Three times a
    # week keeps R14's "≥3 diarrhoea days in 7" visible [DESIGN]; missed = same-day call.
    _phase(
        "days-29-56",
        (29, 56),
        ["10:00"],
        VITALS + ["neuro", "handwriting", "movement"] + IEC,
        "same_day",
        every_days=7,
        day_offsets=[0, 2, 4],
        weekly_asks=["weekly_pro", "weight"],
    ),
    # S1 31–100 BCMA 2×/week movement/handwriting, weekly PRO-CTCAE; late phase: missed = routine.
    _phase(
        "days-57-100",
        (57, 100),
        ["10:00"],
        ["temperature", "symptoms"] + LATE_NEURO + ["movement"] + IEC,
        "routine",
        every_days=7,
        day_offsets=[0, 3],
        weekly_asks=["weekly_pro", "weight"],
    ),
    # S1 >100 monthly; BCMA surveillance beyond day 100 (R13): open-ended.
    _phase(
        "day-101-on",
        (101, None),
        ["10:00"],
        ["temperature", "symptoms"] + LATE_NEURO + ["movement"] + IEC + ["weight", "weekly_pro"],
        "routine",
        every_days=28,
    ),
]


def _content(restrictions: dict, phases: list[dict], dose_days: list[int] | None = None) -> dict:
    return {
        "restrictions": dict(restrictions),
        "waking_hours": dict(WAKING_HOURS),
        "phases": phases,
        "check_in": dict(CHECK_IN),
        "paging": dict(PAGING),
        "thresholds": {},  # the engine's defaults, each citing its rule id
        "dose_days": dose_days or [0],
    }


def _protocol(family: str, name: str, jurisdiction: str, products: list[str], content: dict) -> dict:
    # A deep copy: families share building blocks, and one caller editing its dict must not change another.
    return {
        "family": family,
        "name": name,
        "jurisdiction": jurisdiction,
        "products": list(products),
        "content": copy.deepcopy(content),
    }


# D1: Aucatzyl's second dose is day 10 (±2).
AUCATZYL_CONTENT = _content(AUCATZYL_RESTRICTIONS, AUCATZYL_PHASES, dose_days=[0, 10])

SHIPPED = [
    _protocol("us-cd19", "US CD19 CAR T (June 2025 labels)", "US", CD19, _content(US_RESTRICTIONS, US_CD19_PHASES)),
    _protocol(
        "us-abecma",
        "US Abecma (June 2025 labels, delayed neurotoxicity watch)",
        "US",
        ["abecma"],
        _content(US_RESTRICTIONS, US_ABECMA_PHASES),
    ),
    _protocol(
        "us-carvykti",
        "US Carvykti (June 2025 labels, delayed neurotoxicity and IEC-EC watch)",
        "US",
        ["carvykti"],
        _content(US_RESTRICTIONS, US_CARVYKTI_PHASES),
    ),
    _protocol(
        "us-aucatzyl",
        "US Aucatzyl (split dose; 4 weeks near, 8 weeks no driving)",
        "US",
        ["aucatzyl"],
        AUCATZYL_CONTENT,
    ),
    _protocol(
        "eu-default",
        "EU CAR T (SmPC: 4 weeks near, 8 weeks no driving)",
        "EU",
        EU_UK_DEFAULT_PRODUCTS,
        _content(EU_UK_RESTRICTIONS, EU_UK_PHASES),
    ),
    _protocol(
        "uk-default",
        "UK CAR T (4 weeks near, 8 weeks no driving)",
        "UK",
        EU_UK_DEFAULT_PRODUCTS,
        _content(EU_UK_RESTRICTIONS, EU_UK_PHASES),
    ),
    _protocol(
        "eu-aucatzyl",
        "EU Aucatzyl (split dose; 4 weeks near, 8 weeks no driving)",
        "EU",
        ["aucatzyl"],
        AUCATZYL_CONTENT,
    ),
    _protocol(
        "uk-aucatzyl",
        "UK Aucatzyl (split dose; 4 weeks near, 8 weeks no driving)",
        "UK",
        ["aucatzyl"],
        AUCATZYL_CONTENT,
    ),
]
