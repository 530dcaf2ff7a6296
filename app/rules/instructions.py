"""Patient-facing instructions for an assessment, in the patient's language.

Source strings are English msgids marked with gettext so `pybabel extract -F babel.cfg`
finds them; the catalogs live in app/translations (Flask-Babel's default folder), so the web
app and this package share one set of translations. No Flask here: babel.support loads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

from app.rules.types import Assessment, Level

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DEFAULT_LANGUAGE = "en"
_PRIMARY_SUBTAG = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True, slots=True)
class InstructionContext:
    language: str
    center_phone: str
    product_display: str
    infusion_date: str  # already formatted for the patient's locale


@lru_cache(maxsize=1)
def available_languages() -> frozenset[str]:
    return frozenset(p.parents[1].name for p in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.mo"))


@lru_cache(maxsize=64)  # a handful of distinct values in practice; keeps rendering cheap
def normalize_language(language: str) -> str:
    """'es-MX' / 'es_US' / 'ES' → 'es'; anything without a catalog → English."""
    primary = language.strip().replace("_", "-").split("-")[0].lower()
    if _PRIMARY_SUBTAG.match(primary) and primary in available_languages():
        return primary
    return DEFAULT_LANGUAGE


@cache  # keys are normalized, so at most one entry per shipped catalog
def translations_for(language: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [language])


def render_instructions(assessment: Assessment, ictx: InstructionContext) -> str:
    tr = translations_for(normalize_language(ictx.language))
    params = {"phone": ictx.center_phone, "product": ictx.product_display, "date": ictx.infusion_date}
    late = assessment.late
    if late is not None and late.stale and assessment.level >= Level.URGENT:
        lines = [line % params for line in _stale_lines(late.level_when_recorded, tr.gettext)]
    else:
        lines = [line % params for line in _level_lines(assessment.level, tr.gettext)]
    if late is not None and assessment.level >= Level.SAME_DAY:
        # L1: the patient learns how late it reached us (the server's receipt time, not the phone's).
        lines.insert(0, _late_line(late.minutes, tr.gettext))
    if assessment.recheck_in_minutes is not None:
        lines.append(_recheck_line(assessment.recheck_in_minutes, tr.ngettext))
    if assessment.fever_may_be_masked:
        lines.append(
            tr.gettext(
                "You took fever medicine in the last 6 hours. Fever medicine may hide a fever, "
                "so keep checking your temperature."
            )
        )
    if assessment.level is Level.EMERGENCY or (late is not None and late.level_when_recorded is Level.EMERGENCY):
        # Implementation note W1 (docs/clinical-rules.md): the wallet-card message in every emergency prompt.
        wallet_card = tr.gettext(
            "Show this to the emergency team: I received CAR T cell therapy (%(product)s) "
            "on %(date)s. My CAR T team: %(phone)s."
        )
        lines.append(wallet_card % params)
    return "\n".join(lines)


def _late_line(minutes: int, _: Callable[[str], str]) -> str:
    hours, mins = divmod(minutes, 60)
    return _("This report reached us %(hours)d h %(minutes)d min after it was recorded.") % {
        "hours": hours,
        "minutes": mins,
    }


def _stale_lines(level_when_recorded: Level, _: Callable[[str], str]) -> list[str]:
    # L1: a report older than the relevance window is still acted on now; the patient calls now
    # if it is still going on, and the team calls to learn how the patient is now.
    if level_when_recorded is Level.EMERGENCY:
        return [
            _("If any of this is still going on, call emergency services (911/999/112) now."),
            _("Your CAR T team has been alerted and will call you. You can reach them at %(phone)s."),
        ]
    return [
        _("If any of this is still going on, call your CAR T team now at %(phone)s. Do not drive yourself."),
        _("Your CAR T team has been alerted and will call you to ask how you are now."),
    ]


def _level_lines(level: Level, _: Callable[[str], str]) -> list[str]:
    # Action levels (docs/clinical-rules.md), in the words a patient needs at that moment.
    if level is Level.EMERGENCY:
        return [
            _("This may be an emergency. Call emergency services (911/999/112) now."),
            _("Also call your CAR T team at %(phone)s. We are alerting them too."),
        ]
    if level is Level.URGENT:
        return [
            _("Call your CAR T team now at %(phone)s. Do not wait to see if it gets better. Do not drive yourself.")
        ]
    if level is Level.SAME_DAY:
        return [_("Your care team will call you today. If you feel worse before then, call %(phone)s.")]
    return [_("Thank you. Keep doing your check-ins and call %(phone)s if anything changes.")]


def _recheck_line(minutes: int, ngettext: Callable[[str, str, int], str]) -> str:
    text = ngettext(
        "Please measure again in %(num)d minute.",
        "Please measure again in %(num)d minutes.",
        minutes,
    )
    return text % {"num": minutes}
