"""One error shape for every 4xx."""

from __future__ import annotations


def test_404_has_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_405_names_the_allowed_methods(client):
    response = client.delete("/api/v1/auth/login")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data="{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["message"] == "The request body is not valid JSON."


def test_missing_fields_are_422_naming_each(client):
    response = client.post("/api/v1/auth/login", json={})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"email", "password"}


def test_401_and_403_have_the_error_shape(client, make_center, make_patient):
    assert client.get("/api/v1/patients").json["error"]["code"] == "unauthorized"
    patient = make_patient(make_center())
    assert client.get("/api/v1/patients", headers=patient.headers).json["error"]["code"] == "forbidden"


def test_a_huge_body_is_413(client):
    response = client.post("/api/v1/auth/login", data="x" * (300 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"
