"""Vigil's local CodeSystem, served at its canonical URL (FHIR_CODESYSTEM_URL) so a receiving
system can look up every code a Vigil resource carries under that system.

`content: fragment`: the concepts listed are the fixed ones (ICE parts, questionnaire items, alert
kinds, actions); the rule codes of DetectedIssue evidence (`R4_fever`, ...) come from the protocol
in force and are described, not enumerated (their text travels with each DetectedIssue).
"""

from __future__ import annotations

from app.fhir.common import vigil_cs
from app.fhir.detected_issue import DISPOSITION_LABEL
from app.fhir.observations import ICE_DOMAINS
from app.fhir.questionnaire import questionnaire
from app.models import ALERT_KINDS

VERSION = "1"


def _concepts() -> list[dict]:
    found = {
        "ice-score": "ICE score (Immune effector Cell-associated Encephalopathy)",
        "ice-unable": "Could not do the ICE test",
        "car-t-monitoring-window": "In CAR T-cell therapy monitoring window",
        "acknowledged": "Acknowledged by the care team",
        "relative-rules-off": "Relative rules off: no baseline (R20)",
    }
    found.update({f"ice-{name}": label for name, label in ICE_DOMAINS.items()})
    found.update({f"resolved-{d}": f"Resolved: {label}" for d, label in DISPOSITION_LABEL.items()})
    found.update({f"alert-{kind}": f"CAR T home-monitoring alert ({kind.replace('_', ' ')})" for kind in ALERT_KINDS})

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for coding in node.get("code", []) if isinstance(node.get("code"), list) else []:
                if coding.get("system") == vigil_cs():
                    found.setdefault(coding["code"], coding.get("display") or coding["code"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(questionnaire())
    return [{"code": code, "display": display} for code, display in sorted(found.items())]


def code_system() -> dict:
    concepts = _concepts()
    return {
        "resourceType": "CodeSystem",
        "id": "vigil",
        "url": vigil_cs(),
        "version": VERSION,
        "name": "VigilCodes",
        "title": "Vigil CAR T home-monitoring codes",
        "status": "active",
        "experimental": False,
        "publisher": "Vigil",
        "description": "Codes Vigil uses where LOINC and SNOMED CT have none: the ICE score and its parts, "
        "the home check-in questions, alert kinds and actions. Rule codes of alert evidence "
        "(e.g. R4_fever) name the protocol rule that fired; each carries its own text.",
        "caseSensitive": True,
        "content": "fragment",
        "count": len(concepts),
        "concept": concepts,
    }
