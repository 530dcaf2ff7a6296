"""Protocol pages: readable versions, and a new version made in a form after a dry-run."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import Protocol
from tests.personas import report_body
from tests.web.conftest import csrf_from, unlabelled


def _form_fields(html: str) -> dict:
    """The form as a browser would send it: every input's and textarea's current value."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S))
    return {k: v.replace("&#34;", '"').replace("&quot;", '"') for k, v in fields.items()}


def test_a_version_reads_as_tables_with_sources(client, make_center, make_staff, make_patient, web_sign_in):
    center = make_center()
    protocol = make_patient(center).patient.protocol
    web_sign_in(make_staff("nurse", center))
    listing = client.get("/protocols").get_data(as_text=True)
    assert f'data-protocol-id="{protocol.id}"' in listing and protocol.family in listing
    html = client.get(f"/protocols/{protocol.id}").get_data(as_text=True)
    assert 'id="phases"' in html and "days-0-7" in html and "08:00, 12:00, 16:00, 20:00" in html
    assert "R1: ASTCT 2019 fever" in html and "VERIFIED" in html  # thresholds with their sources
    assert "new-version-link" not in html  # nurses read protocols; clinicians change them
    assert client.get(f"/protocols/{protocol.id}/new-version").status_code == 403


def test_a_clinician_dry_runs_then_saves_a_new_version(client, make_center, make_staff, make_patient, web_sign_in):
    center = make_center()
    patient = make_patient(center)
    client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 37.8}), headers=patient.headers)
    base = patient.patient.protocol
    clinician = make_staff("clinician", center)
    web_sign_in(clinician)
    page = client.get(f"/protocols/{base.id}/new-version").get_data(as_text=True)
    assert unlabelled(page) == [] and "save-button" not in page  # no saving before a dry-run
    fields = {**_form_fields(page), "threshold-fever_c": "37.5", "name": "CD19 with a 37.5 fever line"}
    path = f"/protocols/{base.id}/new-version"

    dry = client.post(path, data={**fields, "action": "dry_run"}).get_data(as_text=True)
    assert 'id="dry-run-result"' in dry
    urgent = re.search(r'<tr data-level="urgent"><td>Urgent</td><td>(\d+)</td><td>(\d+)</td>', dry).groups()
    assert urgent == ("0", "1")  # the 37.8 °C report would now be urgent
    assert db.session.query(Protocol).filter_by(family=base.family).count() == 1  # nothing saved yet

    changed = {**fields, "threshold-fever_c": "37.6", "digest": _form_fields(dry)["digest"], "action": "save"}
    again = client.post(path, data=changed).get_data(as_text=True)
    assert "The content changed after the last dry-run" in again  # what is saved must be what was dry-run
    assert db.session.query(Protocol).filter_by(family=base.family).count() == 1

    saved = client.post(path, data={**changed, "digest": _form_fields(again)["digest"]})
    assert saved.status_code == 302
    new = db.session.query(Protocol).filter_by(family=base.family, version=base.version + 1).one()
    assert (new.content["thresholds"], new.name, new.created_by_id) == (
        {"fever_c": 37.6},
        "CD19 with a 37.5 fever line",
        clinician.id,
    )
    # The new version is the clinician's centre's; the shipped template stays current for others.
    assert new.center_id == clinician.center_id and db.session.get(Protocol, base.id).superseded_by_id is None
    assert new.content["phases"] == base.content["phases"]
    html = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved as version" in html
    assert "37.6 °C <strong>changed</strong>" in re.search(r'<tr data-key="fever_c">(.*?)</tr>', html, re.S).group(1)


def test_problems_are_named_by_field(client, make_center, make_staff, make_patient, web_sign_in):
    center = make_center()
    base = make_patient(center).patient.protocol
    web_sign_in(make_staff("clinician", center))
    page = client.get(f"/protocols/{base.id}/new-version").get_data(as_text=True)
    fields = _form_fields(page)
    for change, field in (
        ({"threshold-fever_c": "41"}, "threshold-fever_c"),
        ({"restrictions-no_driving_days": "many"}, "restrictions-no_driving_days"),
        ({"phases": "[{"}, "phases"),
        ({"phases": fields["phases"].replace('"from_day": 0', '"from_day": 1', 1)}, "phases"),
    ):
        response = client.post(f"/protocols/{base.id}/new-version", data={**fields, **change, "action": "dry_run"})
        assert response.status_code == 422, change
        assert f'id="{field}-error"' in response.get_data(as_text=True), change
    assert "csrf_token" in fields and csrf_from(page)


def test_the_form_refuses_a_setting_on_its_unsafe_side_naming_the_reference_figure(
    client, make_center, make_staff, make_patient, web_sign_in
):
    # A protocol may only make Vigil more careful: dry-run and save both refuse; nothing is stored.
    center = make_center()
    base = make_patient(center).patient.protocol
    web_sign_in(make_staff("clinician", center))
    fields = _form_fields(client.get(f"/protocols/{base.id}/new-version").get_data(as_text=True))
    versions = db.session.query(Protocol).count()
    for action in ("dry_run", "save"):
        response = client.post(
            f"/protocols/{base.id}/new-version", data={**fields, "threshold-hypoxia_spo2": "91", "action": action}
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'id="threshold-hypoxia_spo2-error"' in html
        assert "less careful than the reference figure 92" in html
    careful = client.post(
        f"/protocols/{base.id}/new-version", data={**fields, "threshold-hypoxia_spo2": "93", "action": "dry_run"}
    )
    assert careful.status_code == 200
    assert db.session.query(Protocol).count() == versions


def test_a_platform_admin_names_the_centre_a_new_version_is_for(
    client, make_center, make_staff, make_patient, web_sign_in
):
    """A version belongs to a centre; an admin without one chooses it in the form, and
    the dry-run replays that centre's reports only."""
    alpha, beta = make_center(name="Alpha"), make_center(name="Beta")
    base = make_patient(alpha).patient.protocol
    for centre in (alpha, beta):
        patient = make_patient(centre)
        client.post("/api/v1/me/reports", json=report_body(vitals={"temperature_c": 37.8}), headers=patient.headers)
    web_sign_in(make_staff("admin", None))
    path = f"/protocols/{base.id}/new-version"
    page = client.get(path).get_data(as_text=True)
    assert unlabelled(page) == [] and f'<option value="{beta.id}">Beta</option>' in page
    fields = {**_form_fields(page), "threshold-fever_c": "37.5", "name": "Beta's line"}
    unnamed = client.post(path, data={**fields, "action": "dry_run"})
    assert unnamed.status_code == 422 and "Choose the centre this version is for." in unnamed.get_data(as_text=True)
    dry = client.post(path, data={**fields, "center_id": str(beta.id), "action": "dry_run"}).get_data(as_text=True)
    urgent = re.search(r'<tr data-level="urgent"><td>Urgent</td><td>(\d+)</td><td>(\d+)</td>', dry).groups()
    assert urgent == ("0", "1")  # Beta's one report, not Alpha's too
    saved = client.post(
        path, data={**fields, "center_id": str(beta.id), "digest": _form_fields(dry)["digest"], "action": "save"}
    )
    assert saved.status_code == 302
    new = db.session.query(Protocol).filter_by(family=base.family, name="Beta's line").one()
    assert new.center_id == beta.id
    assert "Beta" in client.get(saved.headers["Location"]).get_data(as_text=True)
