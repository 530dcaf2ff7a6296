from __future__ import annotations


def test_admin_creates_a_centre(client, login, make_staff):
    admin = login(make_staff("admin", None))
    response = client.post(
        "/api/v1/centers",
        json={"name": "North", "timezone": "Europe/London", "jurisdiction": "UK", "phone": "+442079460000"},
        headers=admin,
    )
    assert response.status_code == 201
    assert response.json["jurisdiction"] == "UK"


def test_bad_centre_fields_are_named(client, login, make_staff):
    response = client.post(
        "/api/v1/centers",
        json={"name": "", "timezone": "Nowhere/City", "jurisdiction": "FR"},
        headers=login(make_staff("admin", None)),
    )
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) == {"name", "timezone", "jurisdiction", "phone"}  # phone now required


def test_only_admins_create_centres(client, login, make_center, make_staff):
    clinician = login(make_staff("clinician", make_center()))
    response = client.post(
        "/api/v1/centers", json={"name": "X", "timezone": "UTC", "jurisdiction": "US"}, headers=clinician
    )
    assert response.status_code == 403


def test_staff_see_only_their_centre(client, login, make_center, make_staff):
    mine, theirs = make_center(), make_center()
    headers = login(make_staff("nurse", mine))
    assert [c["id"] for c in client.get("/api/v1/centers", headers=headers).json] == [mine.id]
    assert client.get(f"/api/v1/centers/{theirs.id}", headers=headers).status_code == 404
