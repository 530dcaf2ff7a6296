"""One pagination style on every list: limit/offset, X-Total-Count, Link rel=next."""

from __future__ import annotations

import re
from datetime import timedelta

from app.timesource import utcnow
from tests.personas import report_body


def test_every_list_takes_limit_and_offset_and_documents_the_headers(client):
    spec = client.get("/api/v1/openapi.json").json
    lists = [
        (path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method == "get"
        and op["responses"]["200"]["content"].get("application/json", {}).get("schema", {}).get("type") == "array"
    ]
    assert len(lists) == 10, [p for p, _ in lists]
    for path, op in lists:
        assert {"limit", "offset"} <= {p["name"] for p in op.get("parameters", [])}, path
        assert {"X-Total-Count", "Link"} <= set(op["responses"]["200"]["headers"]), path


def test_pages_follow_the_next_link_to_the_end(client, make_center, make_patient):
    patient = make_patient(make_center())
    for hours in range(5):
        body = report_body(recorded_at=utcnow() - timedelta(hours=hours + 1), vitals={"temperature_c": 36.8})
        assert client.post("/api/v1/me/reports", json=body, headers=patient.headers).status_code == 201
    seen, url = [], "/api/v1/me/reports?limit=2"
    while url:
        response = client.get(url, headers=patient.headers)
        assert response.status_code == 200
        assert response.headers["X-Total-Count"] == "5"
        seen += [r["id"] for r in response.json]
        assert 'rel="first"' in response.headers["Link"]
        found = re.search(r'<http://localhost(/[^>]+)>; rel="next"', response.headers["Link"])
        url = found.group(1) if found else None
    assert len(seen) == len(set(seen)) == 5


def test_filters_are_kept_in_the_next_link(client, make_center, make_staff, login):
    center = make_center()
    admin = login(make_staff("admin", center))
    response = client.get("/api/v1/audit?action=patient.list&limit=1", headers=admin)
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == "0" and 'rel="next"' not in response.headers["Link"]
    client.get("/api/v1/patients", headers=admin)
    client.get("/api/v1/patients", headers=admin)
    response = client.get("/api/v1/audit?action=patient.list&limit=1", headers=admin)
    assert response.headers["X-Total-Count"] == "2"
    assert "action=patient.list" in response.headers["Link"] and "offset=1" in response.headers["Link"]
