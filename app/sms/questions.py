"""The SMS check-in's questions, in the order asked, and how each answer maps onto the report
body the app would send, so an SMS check-in and an app check-in grade the same.

Texts are marked for Babel (catalogs in app/translations) and rendered in the patient's language.
"""

from __future__ import annotations

from collections.abc import Callable

from app.notify.gsm import to_gsm7
from app.rules.instructions import normalize_language, translations_for

SKIP_WORDS = {"skip", "saltar", "omitir", "pasar", "-"}
# The numbered choices of "neuro_which", in the order the text lists them.
NEURO_CHOICES = (
    "confusion",
    "word_finding_difficulty",
    "speech_understanding_difficulty",
    "hallucinations",
    "tremor",
    "excessive_sleepiness",
    "limb_numbness_or_weakness",
    "agitation",
)
UNKNOWN_WORDS = {
    "dont know",
    "don't know",
    "don\u2019t know",
    "not sure",
    "unknown",
    "no se",
    "nose",
    "?",
    "no lo se",
    "no estoy seguro",
    "no estoy segura",
}
DANGER_CHOICES = (
    ("neuro", "seizure"),
    ("neuro", "fainted"),
    ("neuro", "hard_to_wake"),
    ("neuro", "facial_droop_or_weakness"),
)


def _texts(_: Callable[[str], str]) -> dict[str, str]:
    # Every text is written out as a gettext call so the extractor finds it.
    return {
        "temperature": _("Reply with your temperature, e.g. 37.2 or 99.0F (or NO if you can't measure it)"),
        "blood_pressure": _("Reply with your blood pressure, e.g. 120/80 (NO if you can't measure it, or SKIP)"),
        "heart_rate": _("Reply with your pulse in beats per minute, e.g. 80 (NO if you can't measure it, or SKIP)"),
        "spo2": _("Reply with your oxygen level (SpO2 %), e.g. 97 (NO if you can't measure it, or SKIP)"),
        "neuro": _(
            "Any confusion, trouble speaking or understanding, seeing or hearing things that are not "
            "there, new shaking, unusual sleepiness, agitation, or weakness in an arm or leg? Reply YES or NO"
        ),
        "neuro_which": _(
            "Which? Reply with the numbers, e.g. 1 3: 1 confusion, 2 trouble speaking, "
            "3 trouble understanding others, 4 seeing or hearing things that are not there, "
            "5 new shaking, 6 unusual sleepiness, 7 weakness or numbness in an arm or leg, 8 agitation"
        ),
        "limb_side": _("Is the weakness on one side of the body only? Reply YES, NO (both sides) or NOT SURE"),
        "headache": _("How bad is any headache now? Reply 0 none, 1 mild, 2 moderate, 3 severe, 4 very severe"),
        "diarrhea": _(
            "How often have you had loose or watery stools (diarrhoea)? Reply 0 never, 1 rarely, "
            "2 occasionally, 3 frequently, 4 almost constantly"
        ),
        "abdominal_pain": _("How bad is any belly pain now? Reply 0 none, 1 mild, 2 moderate, 3 severe, 4 very severe"),
        "danger": _("Any seizure, fainting, trouble waking up, or a drooping face? Reply YES or NO"),
        "danger_which": _(
            "Which? Reply with the numbers, e.g. 2: 1 seizure, 2 fainting, 3 trouble waking up, "
            "4 drooping face or weakness"
        ),
        "breathing": _("Are you short of breath while resting? Reply YES or NO"),
        "again": _("Sorry, I did not understand."),
        "skipped": _("I could not understand that either, so I skipped this question."),
        "intro": _("Vigil CAR T check-in."),
        "thanks": _("Thank you, your check-in is done."),
        "paged": _("Your care team has been paged."),
        "help": _(
            "Vigil CAR T check-in: answer each question by SMS. Reply STOP to stop texts. If you feel "
            "unwell call %(phone)s."
        ),
        "stopped": _("You will get no more Vigil texts. Your care team has been told and will call you."),
    }


def text(language: str, key: str, **params: str) -> str:
    tr = translations_for(normalize_language(language))
    message = _texts(tr.gettext)[key]
    return to_gsm7(message % params if params else message)


def questions_for(asks: list[str]) -> list[str]:
    """The questions for a check-in's asks (or an unscheduled check-in: everything)."""
    wanted = set(asks or ("vitals", "neuro"))
    keys = ["temperature"]
    if "vitals" in wanted:
        keys += ["blood_pressure", "heart_rate", "spo2"]
    if wanted & {"neuro", "ice", "handwriting", "movement"}:
        keys.append("neuro")
    if wanted & {"symptoms", "neuro", "ice", "handwriting", "movement"}:
        keys.append("headache")  # R9: a severe headache is urgent however it is asked
    if "diarrhea" in wanted:
        keys += ["diarrhea", "abdominal_pain"]  # R14 (Carvykti): asked together, as on the check-in page
    return [*keys, "danger", "breathing"]
