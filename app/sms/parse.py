"""Lenient parsing of SMS replies: "37,2", "99.1F", "120/80", "si"/"sí"/"yes".

Pure functions; each returns the parsed value, or None when the reply is not understood. Values
outside what a human body can show count as not understood, so the question is asked again.
"""

from __future__ import annotations

import re
import unicodedata

from app.sms.questions import SKIP_WORDS, UNKNOWN_WORDS

_NUMBER = r"(\d{1,3}(?:[.,]\d{1,2})?)"
TEMPERATURE = re.compile(rf"^\s*{_NUMBER}\s*(?:°|º|deg(?:rees)?|grados)?\s*([cf])?\s*$", re.IGNORECASE)
BLOOD_PRESSURE = re.compile(r"^\s*(\d{2,3})\s*(?:/|\\|-|\s|over|sobre)\s*(\d{2,3})\s*$", re.IGNORECASE)
WHOLE = re.compile(r"^\s*(\d{1,3})\s*%?\s*$")
YES = {"yes", "y", "yeah", "yep", "si", "s", "sí", "claro"}
NO = {"no", "n", "nope", "nada"}

# The same plausible ranges the report schema enforces (app/schemas/report.py).
CELSIUS = (30.0, 45.0)
FAHRENHEIT = (86.0, 113.0)


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).strip(" .!")


START_WORDS = {"check", "checkin", "check-in", "control", "chequeo", "revision"}


def is_start_word(text: str) -> bool:
    return _plain(text) in START_WORDS


def is_skip(text: str) -> bool:
    return _plain(text) in SKIP_WORDS


# "Can't measure" for a measurement question: no device, or it failed. Kept apart
# from SKIP (declined or not now) so the team sees the difference.
CANT_MEASURE_WORDS = {
    "no",
    "n",
    "no tengo",
    "cant",
    "can't",
    "cannot",
    "can not",
    "cant measure",
    "can't measure",
    "no puedo",
    "no se puede",
    "no lo tengo",
    "none",
    "ninguno",
}


def is_cant_measure(text: str) -> bool:
    return _plain(text).replace("’", "'") in CANT_MEASURE_WORDS


def temperature(text: str) -> tuple[float, str] | None:
    """(value, "C" or "F"). Without a unit, 86 and above is read as Fahrenheit."""
    match = TEMPERATURE.match(text)
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or ("F" if value >= FAHRENHEIT[0] else "C")).upper()
    low, high = CELSIUS if unit == "C" else FAHRENHEIT
    return (value, unit) if low <= value <= high else None


def blood_pressure(text: str) -> tuple[int, int] | None:
    match = BLOOD_PRESSURE.match(text)
    if not match:
        return None
    systolic, diastolic = int(match.group(1)), int(match.group(2))
    if not (40 <= systolic <= 300 and 20 <= diastolic < systolic):
        return None
    return systolic, diastolic


def whole_number(text: str, low: int, high: int) -> int | None:
    match = WHOLE.match(text)
    if not match:
        return None
    value = int(match.group(1))
    return value if low <= value <= high else None


def is_unknown(text: str) -> bool:
    """ "Not sure" / "no sé": an answer, meaning the patient does not know."""
    return _plain(text) in UNKNOWN_WORDS or text.strip() == "?"


def yes_no(text: str) -> bool | None:
    word = _plain(text)
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def choices(text: str, count: int) -> list[int] | None:
    """Numbers 1..count in any separator ("1 3", "1,3", "13" for single digits)."""
    digits = re.findall(r"\d", text)
    if not digits or re.search(r"[a-z]", _plain(text)):
        return None
    picked = sorted({int(d) for d in digits})
    return picked if all(1 <= d <= count for d in picked) else None
