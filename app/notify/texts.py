"""Patient-facing SMS texts, from the same Babel catalogs as the rules' instructions."""

from __future__ import annotations

from functools import lru_cache

from babel.support import NullTranslations

from app.notify.gsm import to_gsm7
from app.rules.instructions import normalize_language, translations_for


def _tr(language: str) -> NullTranslations:
    return translations_for(normalize_language(language))


@lru_cache(maxsize=256)  # the same few texts for every alert of a burst (per language and centre)
def team_notified(language: str, center_phone: str) -> str:
    text = _tr(language).gettext(
        "Vigil: your CAR T care team has been notified and will contact you. If you feel worse, call "
        "%(phone)s now. In an emergency call emergency services."
    )
    return to_gsm7(text % {"phone": center_phone})


# Not in the Babel catalogs yet: a rare text (nobody at the centre could be paged) kept beside its
# translation here rather than shipped half-translated. [DESIGN]
_NOT_REACHED = {
    "en": "Vigil could not reach your CAR T care team. Call %(phone)s now. In an emergency call emergency services.",
    "es": "Vigil no pudo avisar a su equipo de CAR T. Llame ahora al %(phone)s. En una emergencia llame a "
    "los servicios de emergencia.",
}


def team_not_reached(language: str, center_phone: str) -> str:
    text = _NOT_REACHED.get(normalize_language(language), _NOT_REACHED["en"])
    return to_gsm7(text % {"phone": center_phone})


def check_in_reminder(language: str, link: str | None) -> str:
    tr = _tr(language)
    text = tr.gettext("Vigil: it is time for your CAR T check-in. Please answer in the app")
    if link:  # the link ends the text: a full stop after it would be read as part of the link
        return to_gsm7(text + " " + tr.gettext("or here: %(link)s") % {"link": link})
    return to_gsm7(text + ".")


def second_reminder(language: str, patient_first_name: str, link: str | None) -> str:
    tr = _tr(language)
    text = tr.gettext(
        "Vigil: %(name)s has not done the CAR T check-in yet. If they cannot answer or feel unwell, "
        "call the care team now. Check-in"
    ) % {"name": patient_first_name}
    return to_gsm7(text + (f": {link}" if link else "."))


def milestone(language: str, which: str, center_phone: str) -> str:
    tr = _tr(language)
    # Each text is written out for the extractor; the dict keeps the choice in one place.
    texts = {
        "stay_near_center": tr.gettext(
            "Vigil: from today you no longer need to stay near your CAR T centre. Keep doing your "
            "check-ins and call %(phone)s if anything changes."
        ),
        "no_driving": tr.gettext(
            "Vigil: from today your CAR T team's no-driving period has ended. Do not drive if you feel "
            "confused, sleepy or shaky; call %(phone)s."
        ),
        "monitoring": tr.gettext(
            "Vigil: your daily CAR T monitoring window has ended. Vigil will keep asking for less frequent "
            "check-ins; call %(phone)s if anything changes."
        ),
        "ended": tr.gettext(
            "Vigil: your CAR T check-ins with Vigil have ended. Keep your wallet card with you and call "
            "%(phone)s if you have a fever, confusion or anything new."
        ),
    }
    return to_gsm7(texts[which] % {"phone": center_phone})


def push_check_in(language: str) -> tuple[str, str]:
    """The push that opens the app's check-in screen: a locked screen shows it, so it says
    nothing about the patient's health, only that a check-in is due."""
    tr = _tr(language)
    return tr.gettext("Vigil check-in"), tr.gettext("It is time for your check-in. Tap to answer.")
