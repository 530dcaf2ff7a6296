"""Someone is always reachable: the number a patient is told to call, and who can be paged. A
centre created before its phone was required may have none; a patient is then told to call the
number on their CAR T wallet card (every patient carries one: W1 in docs/clinical-rules.md),
never a blank."""

from __future__ import annotations

from app.models import Center, StaffUser
from app.rules.instructions import normalize_language

WALLET_CARD = {
    "en": "the number on your CAR T wallet card",
    "es": "el número de su tarjeta de CAR T",
}


def phone_or_fallback(center: Center | None, language: str) -> str:
    if center is not None and center.phone:
        return center.phone
    return WALLET_CARD.get(normalize_language(language), WALLET_CARD["en"])


def pageable(person: StaffUser) -> bool:
    """A page can reach this person: active, with a phone, and not opted out of SMS."""
    return bool(person.active and person.phone and not person.sms_opted_out)
