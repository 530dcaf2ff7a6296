"""The API description and its offline docs page (issue 2 point 5)."""

from __future__ import annotations


def test_openapi_describes_the_contract_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/login", "/api/v1/auth/enroll", "/api/v1/auth/logout", "/api/v1/centers",
                 "/api/v1/patients", "/api/v1/patients/{patient_id}", "/api/v1/me"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}]


def test_docs_page_uses_only_local_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200


def test_docs_page_serves_swagger_ui_5_from_the_repository(client):
    """Issue 18: a maintained Swagger UI 5, vendored (scripts/vendor-swagger-ui.sh), not a CDN."""
    from app.api.docs import SWAGGER_UI

    assert (SWAGGER_UI / "VERSION").read_text().startswith("5.")
    served = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert served.data == (SWAGGER_UI / "swagger-ui-bundle.js").read_bytes()
    assert client.get("/api/v1/docs/assets/swagger-ui-standalone-preset.js").status_code == 200
    assert client.get("/api/v1/docs/assets/LICENSE").status_code == 200
