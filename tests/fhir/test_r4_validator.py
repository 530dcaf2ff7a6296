"""The validator the other tests rely on is genuinely R4 4.0.1 and genuinely strict."""

from __future__ import annotations

import fhir.resources
import pytest
from pydantic import ValidationError

from tests.fhir.r4 import validate

OBSERVATION = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"text": "Heart rate"},
    "subject": {"reference": "Patient/patient-1"},
}


def test_models_are_fhir_4_0_1():
    assert fhir.resources.__fhir_version__ == "4.0.1"


def test_r5_shapes_are_refused():
    # R5 renamed DetectedIssue.patient to subject; an R5 model would take this, R4 must not.
    with pytest.raises(ValidationError, match="subject"):
        validate({"resourceType": "DetectedIssue", "status": "final", "subject": {"reference": "Patient/p"}})
    validate({"resourceType": "DetectedIssue", "status": "final", "patient": {"reference": "Patient/p"}})


def test_missing_required_elements_and_unknown_elements_are_refused():
    with pytest.raises(ValidationError, match="code"):
        validate({k: v for k, v in OBSERVATION.items() if k != "code"})
    with pytest.raises(ValidationError, match="extra fields not permitted"):
        validate({**OBSERVATION, "valueCelsius": 38.6})


def test_codes_outside_required_bindings_are_refused():
    with pytest.raises(AssertionError, match="status"):
        validate({**OBSERVATION, "status": "done"})
    with pytest.raises(AssertionError, match="comparator"):
        validate({**OBSERVATION, "valueQuantity": {"value": 1, "comparator": "~"}})
