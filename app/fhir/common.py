"""Shared FHIR vocabulary: code systems, ids, references, instants and `meta`."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

# Vigil's own namespace is the deployment's (FHIR_BASE_URL, by default PUBLIC_BASE_URL + /fhir):
# identifiers use `<base>/sid/...`. No LOINC code exists for the ICE score nor for Vigil's items
# (docs/clinical-rules.md F1), so they live in one local CodeSystem whose canonical URL is
# FHIR_CODESYSTEM_URL (by default `<base>/CodeSystem/vigil`), where app/api/fhir.py serves it.
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"


def vigil_base() -> str:
    config = current_app.config
    return (config.get("FHIR_BASE_URL") or f"{config['PUBLIC_BASE_URL'].rstrip('/')}/fhir").rstrip("/")


def vigil_cs() -> str:
    return current_app.config.get("FHIR_CODESYSTEM_URL") or f"{vigil_base()}/CodeSystem/vigil"


def sid(kind: str) -> str:
    """A naming system of Vigil's own: `<base>/sid/alert`, `<base>/sid/staff`..."""
    return f"{vigil_base()}/sid/{kind}"


def mrn_system(center) -> str:  # noqa: ANN001 - a Center; imported lazily by callers
    """The centre's own MRN system when its admins set one; else one per centre, because MRNs are
    unique within a centre only."""
    return center.mrn_system or sid(f"mrn/center-{center.id}")


def instant(value: datetime) -> str:
    """An R4 instant in UTC with a Z. Fractions are kept: truncating them would let a row
    changed later within the same second as an export slip past the next `_since`."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def last_updated(resource: dict) -> datetime:
    return datetime.fromisoformat(resource["meta"]["lastUpdated"].replace("Z", "+00:00"))


def meta(updated: datetime, *profiles: str) -> dict:
    """`meta.lastUpdated` comes from the row's own times, so `_since` filters on real changes."""
    body: dict = {"lastUpdated": instant(updated)}
    if profiles:
        body["profile"] = list(profiles)
    return body


def ref(resource_type: str, resource_id: str, display: str | None = None) -> dict:
    reference = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def ref_to(resource: dict) -> dict:
    return ref(resource["resourceType"], resource["id"])


def vigil_coding(code: str, display: str | None = None) -> dict:
    coding = {"system": vigil_cs(), "code": code}
    if display:
        coding["display"] = display
    return coding


def concept(*codings: dict, text: str | None = None) -> dict:
    body: dict = {"coding": list(codings)} if codings else {}
    if text:
        body["text"] = text
    return body


def staff_ref(staff_id: int | None, name: str | None) -> dict:
    """A logical reference to a staff member: identifier and name, no Practitioner resource.

    A Practitioner created long ago would be left out of every `_since` export, leaving a
    dangling literal reference; an identifier needs no target and carries no more about staff.
    """
    reference: dict = {"type": "Practitioner", "display": name or "Care team member"}
    if staff_id is not None:
        reference["identifier"] = {"system": sid("staff"), "value": str(staff_id)}
    return reference


PATIENT_PREFIX = "patient"


def patient_id(patient_pk: int) -> str:
    return f"{PATIENT_PREFIX}-{patient_pk}"


def patient_ref(patient_pk: int) -> dict:
    return ref("Patient", patient_id(patient_pk))
