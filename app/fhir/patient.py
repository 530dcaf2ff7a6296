"""The Patient and the centre (as an Organization carrying its 24/7 CAR T line).

Only what an ED or an EHR import needs: MRN, name, language, the caregiver to call and the
centre. No phone of the patient's own, no timezone, no enrollment details.
"""

from __future__ import annotations

from app.fhir.common import meta, mrn_system, patient_id, ref
from app.models import Center, Patient, PatientStatus

IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONTACT_ROLE = "http://terminology.hl7.org/CodeSystem/v2-0131"
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def organization_id(center_id: int) -> str:
    return f"org-{center_id}"


def _phone(number: str, rank: int | None = None) -> dict:
    point: dict[str, object] = {"system": "phone", "value": number, "use": "work"}
    if rank is not None:
        point["rank"] = rank
    return point


def organization_resource(center: Center) -> dict:
    organization = {
        "resourceType": "Organization",
        "id": organization_id(center.id),
        "meta": meta(center.created_at),
        "active": True,
        "name": center.name,
    }
    if center.phone:
        organization["telecom"] = [_phone(center.phone, rank=1)]
        organization["contact"] = [{"purpose": {"text": "24/7 CAR T team line"}, "telecom": [_phone(center.phone)]}]
    return organization


def _name(full: str) -> dict:
    # Vigil stores one free-text name; splitting it would guess at name order.
    return {"use": "official", "text": full}


def _caregiver(patient: Patient) -> list[dict]:
    if not patient.caregiver_name and not patient.caregiver_phone:
        return []
    contact: dict = {
        "relationship": [
            {"coding": [{"system": CONTACT_ROLE, "code": "C", "display": "Emergency Contact"}], "text": "Caregiver"}
        ]
    }
    if patient.caregiver_name:
        contact["name"] = {"text": patient.caregiver_name}
    if patient.caregiver_phone:
        contact["telecom"] = [{"system": "phone", "value": patient.caregiver_phone, "use": "mobile"}]
    return [contact]


def patient_resource(patient: Patient, center: Center) -> dict:
    resource = {
        "resourceType": "Patient",
        "id": patient_id(patient.id),
        # Patients have no updated_at: creation is the only change time Vigil records for them.
        "meta": meta(patient.created_at),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}]},
                "system": mrn_system(center),
                "value": patient.mrn,
                "assigner": ref("Organization", organization_id(center.id), center.name),
            }
        ],
        "active": patient.status != PatientStatus.WITHDRAWN,
        "name": [_name(patient.name)],
        "communication": [
            {
                "language": {
                    "coding": [
                        {
                            "system": "urn:ietf:bcp:47",
                            "code": patient.language,
                            "display": LANGUAGE_NAMES.get(patient.language, patient.language),
                        }
                    ]
                },
                "preferred": True,
            }
        ],
        "managingOrganization": ref("Organization", organization_id(center.id), center.name),
    }
    if contacts := _caregiver(patient):
        resource["contact"] = contacts
    return resource
