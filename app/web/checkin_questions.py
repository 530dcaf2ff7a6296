"""What the check-in page asks, from the check-in's `asks`, and how its answers become a report body.

Labels are English msgids marked with N_ (extracted by pybabel, translated at render time in the
patient's language). The body built here is validated by the API's ReportSchema, so a web
check-in is held to exactly the rules of POST /me/reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from app.schemas.report import SIGNS


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional "mark for extraction only"
    return message


SYMPTOM_LABELS = {
    "chills": N_("Chills or shaking"),
    "headache": N_("Headache"),
    "dizziness": N_("Dizziness or feeling faint"),
    "shortness_of_breath": N_("Shortness of breath"),
    "nausea": N_("Nausea (feeling sick)"),
    "diarrhea": N_("How often have you had loose or watery stools (diarrhoea)?"),
    "abdominal_pain": N_("Belly pain"),
    "fatigue": N_("Tiredness"),
    "bleeding_or_bruising": N_("Bleeding or bruising"),
}
SEVERITY = ((0, N_("None")), (1, N_("Mild")), (2, N_("Moderate")), (3, N_("Severe")), (4, N_("Very severe")))
# PRO-CTCAE item 16 asks diarrhoea as a frequency (docs/clinical-rules.md R14); same 0-4 scores.
FREQUENCY = (
    (0, N_("Never")),
    (1, N_("Rarely")),
    (2, N_("Occasionally")),
    (3, N_("Frequently")),
    (4, N_("Almost constantly")),
)
FREQUENCY_SYMPTOMS = ("diarrhea",)
NEURO_LABELS = {
    "confusion": N_("Confused, or does not know where they are"),
    "word_finding_difficulty": N_("Trouble finding words or speaking"),
    "tremor": N_("Shaking hands (tremor)"),
    "excessive_sleepiness": N_("Much sleepier than usual"),
    "severe_headache": N_("Very bad headache"),
    "seizure": N_("A seizure (fit)"),
    "hard_to_wake": N_("Hard to wake up"),
    "facial_droop_or_weakness": N_("Face drooping, or weakness on one side"),
    "fainted": N_("Fainted"),
    "agitation": N_("Restless or agitated"),
    "handwriting_changed": N_("Handwriting has changed (compare with the first sample)"),
    "slowness_or_shuffling": N_("Moving slowly or shuffling"),
    "reduced_facial_expression": N_("Less facial expression than usual"),
    "personality_change": N_("Personality change"),
    "limb_numbness_or_weakness": N_("Numbness or weakness in an arm or leg"),
    "speech_understanding_difficulty": N_("Trouble understanding what others say"),
    "hallucinations": N_("Seeing or hearing things that are not there"),
}
# R9/R11 follow-up to limb weakness: form value -> limb_weakness_one_side ("unknown" is left out,
# and the rules count an unknown side as urgent).
LIMB_SIDES = (("one", N_("On one side of the body only")), ("both", N_("On both sides")), ("unknown", N_("Not sure")))
LIMB_SIDE_VALUES = {"one": True, "both": False}
SIGN_LABELS = {
    "breathless_at_rest": N_("Out of breath while resting"),
    "blue_lips": N_("Blue or grey lips"),
    "cannot_speak_full_sentences": N_("Cannot speak in full sentences"),
    "unable_to_stand": N_("Cannot stand up"),
    "heavy_bleeding": N_("Heavy bleeding"),
    "blood_in_stool": N_("Blood in the stool"),
}
ICE_PARTS = (  # ASTCT 2019 ICE domains and their maxima (docs/clinical-rules.md R10)
    ("orientation", 4, N_("Orientation: knows the year, month, city and hospital (1 point each)")),
    ("naming", 3, N_("Names three objects pointed at (1 point each)")),
    ("commands", 1, N_("Follows simple commands")),
    ("writing", 1, N_("Writes a standard sentence")),
    ("attention", 1, N_("Counts backwards from 100 by tens")),
)
VITAL_LABELS = {
    "heart_rate": N_("Heart rate (beats per minute)"),
    "systolic_bp": N_("Blood pressure: upper number (systolic)"),
    "diastolic_bp": N_("Blood pressure: lower number (diastolic)"),
    "spo2": N_("Oxygen level (SpO2, %%)"),
    "weight_kg": N_("Weight (kg)"),
}

# The "can't measure" box after each measurement: field after which it shows →
# the not_measured name it answers (ReportSchema). Blood pressure is one box for both numbers.
CANT_MEASURE_AFTER = {
    "temperature": "temperature",
    "heart_rate": "heart_rate",
    "diastolic_bp": "blood_pressure",
    "spo2": "spo2",
    "weight_kg": "weight",
}
CANT_MEASURE_FIELDS = {
    "temperature": ("temperature",),
    "heart_rate": ("heart_rate",),
    "blood_pressure": ("systolic_bp", "diastolic_bp"),
    "spo2": ("spo2",),
    "weight": ("weight_kg",),
}
CANT_MEASURE_LABEL = N_("I can't measure this")

DAILY_SYMPTOMS = ("chills", "headache", "dizziness", "shortness_of_breath", "nausea", "fatigue", "bleeding_or_bruising")
NEURO_CHECKLIST = (
    "confusion",
    "word_finding_difficulty",
    "speech_understanding_difficulty",
    "hallucinations",
    "tremor",
    "excessive_sleepiness",
    "severe_headache",
    "limb_numbness_or_weakness",
    "seizure",
    "hard_to_wake",
    "facial_droop_or_weakness",
    "fainted",
    "agitation",
)
MOVEMENT = ("slowness_or_shuffling", "reduced_facial_expression", "personality_change", "limb_numbness_or_weakness")


@dataclass
class Questions:
    temperature: bool = False
    vitals: list[str] = field(default_factory=list)  # report vitals columns besides temperature
    symptoms: list[str] = field(default_factory=list)
    neuro: list[str] = field(default_factory=list)
    ice: bool = False
    signs: tuple[str, ...] = SIGNS  # danger signs are asked every time: they decide emergencies


def _ordered(names: list[str], order: tuple[str, ...] | dict) -> list[str]:
    return [n for n in order if n in set(names)]


def questions_for(asks: list[str]) -> Questions:
    """The form for a check-in's asks (app.protocols.content.ASKS). caregiver and driving are not
    report fields yet, so the page does not ask them."""
    asks = list(asks) or ["temperature", "symptoms"]
    q = Questions(temperature=bool({"temperature", "vitals"} & set(asks)), ice="ice" in asks)
    if "vitals" in asks:
        q.vitals += ["heart_rate", "systolic_bp", "diastolic_bp", "spo2"]
    if "weight" in asks:
        q.vitals.append("weight_kg")
    symptoms = list(DAILY_SYMPTOMS) if "symptoms" in asks else []
    symptoms += ["diarrhea", "abdominal_pain"] if "diarrhea" in asks else []
    symptoms += ["nausea", "fatigue", "diarrhea"] if "weekly_pro" in asks else []
    # R14 reads diarrhoea of any amount together with severe abdominal pain: wherever the page
    # asks diarrhoea (the weekly PRO items too), it asks abdominal pain beside it.
    symptoms += ["abdominal_pain"] if "diarrhea" in symptoms else []
    q.symptoms = _ordered(symptoms, SYMPTOM_LABELS)
    neuro = list(NEURO_CHECKLIST) if "neuro" in asks else []
    neuro += ["handwriting_changed"] if "handwriting" in asks else []
    neuro += list(MOVEMENT) if "movement" in asks else []
    q.neuro = _ordered(neuro, NEURO_LABELS)
    return q


class FormProblems(dict):
    """Form field name -> problem code ("number", "range", ...); the page words them."""


def _number(form: MultiDict, name: str, problems: FormProblems) -> float | None:
    text = (form.get(name) or "").strip().replace(",", ".")  # "38,6" is how Spanish speakers write it
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems[name] = "number"
        return None
    if value != value or value in (float("inf"), float("-inf")):
        problems[name] = "number"
        return None
    return value


def _vitals(form: MultiDict, q: Questions, problems: FormProblems) -> dict:
    vitals: dict = {}
    if q.temperature:
        temperature = _number(form, "temperature", problems)
        if temperature is not None:
            vitals["temperature_f" if form.get("temperature_unit") == "F" else "temperature_c"] = temperature
    for name in q.vitals:
        value = _number(form, name, problems)
        if value is not None:
            vitals[name] = value
    return vitals


def _scores(form: MultiDict, names: list[str], prefix: str) -> dict:
    chosen = {name: form.get(f"{prefix}{name}") for name in names}
    return {name: int(v) for name, v in chosen.items() if v is not None and v.isdigit()}


def _neuro(form: MultiDict, q: Questions) -> dict:
    # A checklist: an asked item left unticked is a "no", which the rules may count on.
    neuro: dict = {name: form.get(f"neuro-{name}") == "yes" for name in q.neuro}
    if "limb_numbness_or_weakness" in q.neuro and form.get("limb_side") in LIMB_SIDE_VALUES:
        # Kept even without the box ticked: "one side" alone must still reach R11.
        neuro["limb_weakness_one_side"] = LIMB_SIDE_VALUES[form["limb_side"]]
    if q.ice:
        if form.get("ice_unable") == "yes":
            neuro["ice_unable"] = True
        else:
            parts = _scores(form, [name for name, _, _ in ICE_PARTS], "ice-")
            if parts:
                neuro["ice"] = parts
    return neuro


def report_body(
    form: MultiDict, q: Questions, *, client_id: str, recorded_at: str, check_in_id: int
) -> tuple[dict, FormProblems]:
    """The POST /me/reports body these answers make, and the answers that are not numbers."""
    problems = FormProblems()
    body: dict = {
        "client_id": client_id,
        "recorded_at": recorded_at,
        "check_in_id": check_in_id,
        "reported_by": "caregiver" if form.get("reported_by") == "caregiver" else "patient",
        "vitals": _vitals(form, q, problems),
        "symptoms": _scores(form, q.symptoms, "symptom-"),
        "neuro": _neuro(form, q),
        "signs": {name: form.get(f"sign-{name}") == "yes" for name in q.signs},
    }
    asked = (["temperature"] if q.temperature else []) + q.vitals
    ticked = [
        name
        for after, name in CANT_MEASURE_AFTER.items()
        if after in asked and form.get(f"cant_measure-{name}") == "yes"
    ]
    for name in ticked:  # a ticked box next to a typed number is a contradiction: ask which
        if any(_filled(form, f) for f in CANT_MEASURE_FIELDS[name]):
            problems[CANT_MEASURE_FIELDS[name][-1]] = "cant_measure"
    not_measured = [name for name in ticked if CANT_MEASURE_FIELDS[name][-1] not in problems]
    if not_measured:
        body["not_measured"] = not_measured
    if q.temperature:
        body["antipyretic_in_last_6h"] = form.get("antipyretic") == "yes"
    note = (form.get("note") or "").strip()
    if note:
        body["note"] = note[:2000]
    if not (problems or _answered(form)):
        # Unticked boxes read as "no", so an untouched form would pass as a report of nothing
        # and close the check-in; ask for something first.
        problems["_form"] = "empty"
    return body, problems


def _filled(form: MultiDict, name: str) -> bool:
    return bool((form.get(name) or "").strip())


def _answered(form: MultiDict) -> bool:
    ignored = {"csrf_token", "client_id", "reported_by", "temperature_unit"}
    return any((value or "").strip() for key, value in form.items(multi=True) if key not in ignored)


def field_for(path: str) -> str:
    """Which form field a ReportSchema error path ("vitals.temperature_c") belongs to."""
    head, _, rest = path.partition(".")
    if head == "vitals":
        return "temperature" if rest.startswith("temperature") else rest
    if head == "neuro" and rest.startswith("ice"):
        return "ice"
    if head == "symptoms":
        return f"symptom-{rest}"
    return "_form"
