"""schemathesis against Vigil's own OpenAPI description: every operation, bounded examples,
zero 5xx, responses match the description.

Authenticated as staff of the centre (and, for /me, as a patient), so generated requests reach
the validation and the views rather than stopping at 401.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.extensions import db
from app.models import OnCallShift
from tests.personas import PASSWORD


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


TOKENS: dict[str, str] = {}


@schemathesis.auth()
class BearerForTheCase:
    """Staff for staff operations, a patient for /me: schemathesis sets it (and knows it did)."""

    def get(self, case, context):
        return TOKENS["patient" if case.path.startswith("/api/v1/me") else "staff"]

    def set(self, case, data, context):
        if case.path != "/api/v1/auth/logout":  # logging out would revoke the token for the next examples
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def tokens(client, make_center, make_staff, make_patient, frozen_clock):
    center = make_center()
    nurse = make_staff("nurse", center)
    admin = make_staff("admin", center)
    db.session.add(OnCallShift(center_id=center.id, staff_id=nurse.id, starts_at=frozen_clock.now - timedelta(hours=1)))
    db.session.commit()
    patient = make_patient(center)

    def token(user):
        return client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).json["access_token"]

    TOKENS.update(staff=token(admin), patient=patient.headers["Authorization"].split()[1])
    return TOKENS


# positive_data_acceptance expects every schema-valid request to be accepted. For bodies some rules
# can't be written in OpenAPI (a phone number must be a real one, a time zone must exist, a
# protocol's phases must be contiguous): those answer 422 by design, so bodies skip that one check.
# Query strings keep it (it caught ids refused as text). Every other default check runs everywhere:
# no 5xx, status codes, content types, response schemas, and the auth checks.
BODY_EXCLUDED = [positive_data_acceptance]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_operation_answers_5xx_or_off_description(case, tokens):
    excluded = BODY_EXCLUDED if case.method.upper() in ("POST", "PUT", "PATCH") else []
    case.call_and_validate(excluded_checks=excluded)
