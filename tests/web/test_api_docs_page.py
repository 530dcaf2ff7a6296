"""The API docs page in headless Chromium: Swagger UI 5, from local files only, shows every
operation of the served description."""

from __future__ import annotations

from playwright.sync_api import expect


def test_docs_page_renders_the_description_with_swagger_ui_5_offline(new_page, client):
    spec = client.get("/api/v1/openapi.json").json
    methods = ("get", "put", "post", "patch", "delete")
    operations = sum(1 for item in spec["paths"].values() for m in item if m in methods)
    page = new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/api/v1/docs")
    origin = page.url.split("/api/")[0]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Vigil")
    expect(page.locator(".opblock")).to_have_count(operations)
    assert page.evaluate("window.versions.swaggerUI.version").startswith("5.")
    assert requested and all(u.startswith((origin, "data:")) for u in requested), requested
