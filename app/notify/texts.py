"""Patient-facing SMS texts, from the same Babel catalogs as the rules' instructions."""

from __future__ import annotations

from app.notify.gsm import to_gsm7
from app.rules.instructions import normalize_language, translations_for


def _tr(language: str):
    return translations_for(normalize_language(language))


def team_notified(language: str, center_phone: str) -> str:
    text = _tr(language).gettext(
        "Vigil: your CAR T care team has been notified and will contact you. If you feel worse, call "
        "%(phone)s now. In an emergency call emergency services."
    )
    return to_gsm7(text % {"phone": center_phone})
