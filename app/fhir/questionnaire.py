"""The Questionnaire Vigil publishes for its symptom, neuro and danger-sign answers, and one
QuestionnaireResponse per report that has any (SDC-style Questionnaire items).

Items are Vigil's own (PRO-CTCAE item numbering is not confirmed, and fever,
confusion, handwriting... are not PRO-CTCAE items), coded in the local CodeSystem. The item
lists come from the report schema, so a new field cannot be missing here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.fhir.common import instant, meta, patient_ref, vigil_base, vigil_coding
from app.models import Report
from app.schemas.report import NEURO_FLAGS, SIGNS, SYMPTOMS

QUESTIONNAIRE_ID = "vigil-report"


def questionnaire_url() -> str:
    return f"{vigil_base()}/Questionnaire/{QUESTIONNAIRE_ID}"


QUESTIONNAIRE_VERSION = "2"  # 2: speech understanding, hallucinations, limb weakness side
# Bump with the version whenever items change: `_since` exports pick the Questionnaire up by it.
PUBLISHED = datetime(2026, 11, 15, tzinfo=UTC)
EXT = "http://hl7.org/fhir/StructureDefinition"
SEVERITY = "0 none, 1 mild, 2 moderate, 3 severe, 4 very severe"

LABELS = {
    "chills": "Chills or shaking",
    "headache": "Headache",
    "dizziness": "Dizziness or light-headedness",
    "shortness_of_breath": "Shortness of breath",
    "nausea": "Nausea",
    "diarrhea": "Diarrhoea",
    "abdominal_pain": "Abdominal pain",
    "fatigue": "Fatigue",
    "bleeding_or_bruising": "Bleeding or bruising",
    "confusion": "New confusion or disorientation",
    "word_finding_difficulty": "Word-finding or speech difficulty",
    "handwriting_changed": "Handwriting worse than baseline",
    "tremor": "New tremor",
    "excessive_sleepiness": "Unusual sleepiness",
    "severe_headache": "Severe headache",
    "seizure": "Seizure",
    "hard_to_wake": "Hard to wake",
    "facial_droop_or_weakness": "Face droop or one-sided weakness",
    "fainted": "Fainted or collapsed",
    "agitation": "Agitation",
    "slowness_or_shuffling": "Slowness of movement or shuffling",
    "reduced_facial_expression": "Reduced facial expression",
    "personality_change": "Personality change or apathy",
    "limb_numbness_or_weakness": "Numbness or weakness of arms or legs",
    "limb_weakness_one_side": "Arm or leg weakness on one side of the body only",
    "speech_understanding_difficulty": "Trouble understanding speech",
    "hallucinations": "Seeing or hearing things that are not there",
    "breathless_at_rest": "Breathless at rest",
    "blue_lips": "Blue lips",
    "cannot_speak_full_sentences": "Cannot speak in full sentences",
    "unable_to_stand": "Unable to stand",
    "heavy_bleeding": "Heavy bleeding",
    "blood_in_stool": "Blood in stool",
}
ICE_PARTS = {
    "orientation": ("Orientation: year, month, city, where we are", 4),
    "naming": ("Naming three objects", 3),
    "commands": ("Following a simple command", 1),
    "writing": ("Writing a standard sentence", 1),
    "attention": ("Counting back from 100 by 10", 1),
}


def label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _item(link_id: str, text: str, kind: str, **extra) -> dict:
    return {"linkId": link_id, "code": [vigil_coding(link_id, text)], "text": text, "type": kind, **extra}


def _scored(link_id: str, text: str, maximum: int) -> dict:
    bounds = [{"url": f"{EXT}/minValue", "valueInteger": 0}, {"url": f"{EXT}/maxValue", "valueInteger": maximum}]
    return _item(link_id, text, "integer", extension=bounds)


def _group(link_id: str, text: str, items: list[dict]) -> dict:
    return {"linkId": link_id, "text": text, "type": "group", "item": items}


def _definition_items() -> list[dict]:
    ice = [_scored(f"neuro.ice.{n}", f"{text} (0-{m})", m) for n, (text, m) in ICE_PARTS.items()]
    neuro = [_item(f"neuro.{n}", label(n), "boolean") for n in NEURO_FLAGS]
    return [
        _group("symptoms", f"Symptoms ({SEVERITY})", [_scored(f"symptoms.{n}", label(n), 4) for n in SYMPTOMS]),
        _group(
            "neuro",
            "Neuro checks (caregiver)",
            [
                *neuro,
                _group("neuro.ice", "ICE test, caregiver-administered", ice),
                _item("neuro.ice_unable", "The patient could not do the ICE test", "boolean"),
            ],
        ),
        _group("signs", "Danger signs", [_item(f"signs.{n}", label(n), "boolean") for n in SIGNS]),
        _item("antipyretic_in_last_6h", "Took a fever-lowering medicine in the last 6 hours", "boolean"),
        _item("note", "Anything else", "text"),
    ]


def questionnaire() -> dict:
    """The published Questionnaire (one per Vigil version, not per patient)."""
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "meta": meta(PUBLISHED),
        "url": questionnaire_url(),
        "version": QUESTIONNAIRE_VERSION,
        "name": "VigilHomeReport",
        "title": "Vigil CAR T home report: symptoms, neuro checks and danger signs",
        "status": "active",
        "subjectType": ["Patient"],
        "date": instant(PUBLISHED),
        "publisher": "Vigil",
        "description": "Daily home report after CAR T-cell therapy; vital signs are sent as Observations.",
        "item": _definition_items(),
    }


def _answer(value: object) -> dict:
    # bool before int: in Python True is an int, in FHIR it is not.
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueString": str(value)}


def _answered(link_id: str, text: str, value: object) -> dict:
    return {"linkId": link_id, "text": text, "answer": [_answer(value)]}


def _answered_group(link_id: str, text: str, items: list[dict]) -> dict | None:
    return {"linkId": link_id, "text": text, "item": items} if items else None


def _neuro_items(neuro: dict) -> list[dict]:
    items = [_answered(f"neuro.{n}", label(n), neuro[n]) for n in NEURO_FLAGS if neuro.get(n) is not None]
    parts = neuro.get("ice") or {}
    ice = [_answered(f"neuro.ice.{n}", ICE_PARTS[n][0], parts[n]) for n in ICE_PARTS if parts.get(n) is not None]
    if group := _answered_group("neuro.ice", "ICE test, caregiver-administered", ice):
        items.append(group)
    if neuro.get("ice_unable") is not None:
        items.append(_answered("neuro.ice_unable", "The patient could not do the ICE test", neuro["ice_unable"]))
    return items


def _response_items(report: Report) -> list[dict]:
    symptoms, signs = report.symptoms or {}, report.signs or {}
    groups = [
        _answered_group(
            "symptoms",
            "Symptoms",
            [_answered(f"symptoms.{n}", label(n), symptoms[n]) for n in SYMPTOMS if symptoms.get(n) is not None],
        ),
        _answered_group("neuro", "Neuro checks", _neuro_items(report.neuro or {})),
        _answered_group(
            "signs",
            "Danger signs",
            [_answered(f"signs.{n}", label(n), signs[n]) for n in SIGNS if signs.get(n) is not None],
        ),
    ]
    items = [g for g in groups if g is not None]
    # Stored as false when not asked, so only a "yes" is an answer worth exporting.
    if report.antipyretic_in_last_6h:
        items.append(_answered("antipyretic_in_last_6h", "Took a fever-lowering medicine in the last 6 hours", True))
    if report.note:
        items.append(_answered("note", "Anything else", report.note))
    return items


def response_id(report_id: int) -> str:
    return f"qr-{report_id}"


def questionnaire_response(report: Report) -> dict | None:
    """The report's answers, or None when it carried vitals only."""
    items = _response_items(report)
    if not items:
        return None
    source = patient_ref(report.patient_id) if report.reported_by == "patient" else {"display": "Caregiver"}
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(report.id),
        "meta": meta(report.received_at),
        "questionnaire": f"{questionnaire_url()}|{QUESTIONNAIRE_VERSION}",
        # A partial report is an SMS conversation that timed out before every question.
        "status": "stopped" if report.partial else "completed",
        "subject": patient_ref(report.patient_id),
        "authored": instant(report.recorded_at),
        "source": source,
        "item": items,
    }
