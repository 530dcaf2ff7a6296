"""The API description and its offline docs page."""

from __future__ import annotations


def test_openapi_describes_the_contract_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/enroll",
        "/api/v1/auth/logout",
        "/api/v1/centers",
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}",
        "/api/v1/me",
    ):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]


def test_docs_page_uses_only_local_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200


def test_openapi_describes_push_devices_and_step_channels(client):
    """The app's push registration and the channels of an escalation step."""
    spec = client.get("/api/v1/openapi.json").json
    device = spec["paths"]["/api/v1/me/device"]
    assert {"put", "delete"} <= set(device)
    body = device["put"]["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert set(schema["required"]) == {"platform", "token", "app_version"}
    assert schema["properties"]["platform"]["enum"] == ["android", "ios"]
    step = spec["components"]["schemas"]["Step"]
    assert step["properties"]["channels"]["items"]["enum"] == ["sms", "call"]
    assert "press 1" in step["properties"]["channels"]["description"]
    assert "call_language" in spec["components"]["schemas"]["Policy"]["properties"]


def test_docs_page_serves_swagger_ui_5_from_the_repository(client):
    """A maintained Swagger UI 5, vendored (scripts/vendor-swagger-ui.sh), not a CDN."""
    from app.api.docs import SWAGGER_UI

    assert (SWAGGER_UI / "VERSION").read_text().startswith("5.")
    served = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert served.data == (SWAGGER_UI / "swagger-ui-bundle.js").read_bytes()
    assert client.get("/api/v1/docs/assets/swagger-ui-standalone-preset.js").status_code == 200
    assert client.get("/api/v1/docs/assets/LICENSE").status_code == 200
