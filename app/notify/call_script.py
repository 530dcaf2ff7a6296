"""What a page's phone call says, in the centre's call language.

Minimum necessary, as in a paged text: initials (or the MRN's last digits when a deployment
turns initials off), day after infusion, level and the top finding, in words a text-to-speech
voice reads well, then how to acknowledge.
"""

from __future__ import annotations

import re

from babel.support import NullTranslations

from app.rules.instructions import translations_for

# Twilio <Say> languages Vigil offers (its basic voices speak all of them).
CALL_LANGUAGES = ("en-US", "en-GB", "es-US", "es-ES", "es-MX")
JURISDICTION_LANGUAGE = {"US": "en-US", "UK": "en-GB", "EU": "en-GB"}

# Symbols and abbreviations in finding summaries, as a voice should say them.
_SPOKEN = [
    (re.compile(r"\s*°C"), " degrees Celsius"),
    (re.compile(r"\s*°F"), " degrees Fahrenheit"),
    (re.compile(r"\s*mmHg"), " millimetres of mercury"),
    (re.compile(r"/min\b"), " per minute"),
    (re.compile(r"\bSpO2\b"), "oxygen saturation"),
    (re.compile(r"\bHR\b"), "heart rate"),
    (re.compile(r"\bSBP\b"), "systolic blood pressure"),
    (re.compile(r"\bICE\b"), "I C E"),
    (re.compile(r"≥"), " at or above "),
    (re.compile(r"≤"), " at or below "),
    (re.compile(r"\s*%"), " percent"),
    (re.compile(r"\s+"), " "),
]


def plain_words(summary: str) -> str:
    text = summary
    for pattern, words in _SPOKEN:
        text = pattern.sub(words, text)
    return text.strip().rstrip(".")


def spoken_label(name: str, mrn: str, show_initials: bool) -> str:
    """Initials letter by letter ("J D"), or the MRN's last four digits one by one."""
    initials = [part[0].upper() for part in name.split() if part[:1].isalpha()]
    if show_initials and initials:
        return " ".join(initials)
    tail = "".join(ch for ch in mrn if ch.isalnum())[-4:]
    return "MRN " + " ".join(tail)


def _tr(language: str) -> NullTranslations:
    return translations_for(language.split("-")[0])


def call_text(*, language: str, level: str, label: str, day: int, finding: str | None) -> str:
    tr = _tr(language)
    level_words = {"urgent": tr.gettext("urgent"), "emergency": tr.gettext("emergency")}.get(level, level)
    text = tr.gettext("Vigil %(level)s alert. Patient %(patient)s, day %(day)s after infusion.") % {
        "level": level_words,
        "patient": label,
        "day": day,
    }
    if finding:
        text += " " + plain_words(finding) + "."
    return text + " " + tr.gettext("Press 1 to acknowledge.")


def goodbye(language: str) -> str:
    return _tr(language).gettext("No key was pressed. Goodbye.")


def acknowledged(language: str) -> str:
    return _tr(language).gettext("The alert is acknowledged. Thank you.")


def nothing_changed(language: str) -> str:
    return _tr(language).gettext("This alert is already acknowledged or closed. Nothing changed.")
