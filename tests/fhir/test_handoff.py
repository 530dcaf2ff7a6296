"""GET /alerts/{id}/handoff: the ED packet as a FHIR document and as one printable page."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests.fhir.r4 import assert_references_resolve, by_id, relative, validate_bundle

SECTIONS = [
    "CAR T-cell therapy",
    "Alert",
    "Latest vital signs and ICE",
    "CRS/ICANS timeline",
    "Pages and acknowledgement",
    "CAR T centre 24/7 contact",
]


def handoff(client, demo, **kwargs):
    return client.get(
        f"/api/v1/alerts/{demo.alert_id}/handoff", headers={**demo.staff_headers, **kwargs.pop("headers", {})}, **kwargs
    )


def document_of(client, demo) -> dict:
    """The document with its references as "Type/id", after checking they all resolve."""
    document = handoff(client, demo).json
    assert_references_resolve(document)
    return relative(document)


def test_document_validates_as_r4_with_the_composition_first(client, demo):
    response = handoff(client, demo)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    validate_bundle(response.json)
    document = relative(response.json)
    assert document["type"] == "document"
    assert document["identifier"]["system"] and document["identifier"]["value"]
    assert document["timestamp"] == "2026-11-22T16:30:00Z"
    composition = document["entry"][0]["resource"]
    assert composition["resourceType"] == "Composition"
    assert composition["type"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "18761-7",
        "display": "Transfer summary note",
    }
    assert composition["subject"] == {"reference": f"Patient/patient-{demo.patient_id}"}
    assert [s["title"] for s in composition["section"]] == SECTIONS
    # The Composition's own narrative says what the document is, for any system that shows it.
    assert composition["text"]["status"] == "generated"
    assert "emergency hand-off" in composition["text"]["div"] and "day" in composition["text"]["div"]


def test_every_reference_in_the_document_resolves_inside_it(client, demo):
    assert_references_resolve(handoff(client, demo).json)


def test_sections_point_at_the_latest_vitals_the_alert_and_its_pages(client, demo):
    document = document_of(client, demo)
    sections = {
        s["title"]: [e["reference"] for e in s.get("entry", [])] for s in document["entry"][0]["resource"]["section"]
    }
    second, third = demo.report_ids[1], demo.report_ids[2]
    assert sections["Latest vital signs and ICE"] == [
        f"Observation/obs-temp-{second}",
        f"Observation/obs-hr-{second}",
        f"Observation/obs-bp-{third}",
        f"Observation/obs-spo2-{third}",
        f"Observation/obs-rr-{third}",
        f"Observation/obs-weight-{third}",
        f"Observation/obs-ice-{third}",
    ]
    assert sections["Alert"] == [f"DetectedIssue/issue-{demo.alert_id}"]
    # The demo patient has no baseline, so the relative-rules-off Flag is there too.
    assert sections["CAR T-cell therapy"] == [
        f"Flag/flag-window-{demo.patient_id}",
        f"Flag/flag-baseline-{demo.patient_id}",
    ]
    assert sections["Pages and acknowledgement"]
    assert all(r.startswith("Communication/") for r in sections["Pages and acknowledgement"])
    narrative = document["entry"][0]["resource"]["section"][0]["text"]["div"]
    assert "Yescarta (CD19). Infused 2026-11-20; today is day 2." in narrative
    assert "+16175550100" in narrative


def test_resolved_alert_documents_its_disposition(client, demo):
    resolved = client.post(
        f"/api/v1/alerts/{demo.alert_id}/resolve",
        headers=demo.staff_headers,
        json={"disposition": "sent_to_ed", "note": "Called ahead"},
    )
    assert resolved.status_code == 200, resolved.json
    document = handoff(client, demo).json
    validate_bundle(document)
    issue = by_id(document)[f"issue-{demo.alert_id}"]
    assert issue["status"] == "final"
    assert [m["action"]["coding"][0]["code"] for m in issue["mitigation"]] == ["acknowledged", "resolved-sent_to_ed"]


class _Page(HTMLParser):
    """Collects what would make a page depend on anything outside itself."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes |= {name for name, _ in attrs}
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def html_page(client, demo, **kwargs) -> tuple[str, object]:
    response = handoff(client, demo, **kwargs)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True), response


def test_html_page_shows_what_the_ed_needs(client, demo):
    page, _ = html_page(client, demo, query_string={"format": "html"})
    for expected in (
        "Yescarta",
        "CD19",
        "infused <strong>2026-11-20</strong>",
        "day 2",
        "38.6 °C",
        "112 /min",
        "88/55 mmHg",
        "89 %",
        "24 /min",
        "71.2 kg",
        "8/10",
        demo.center.name,
        "+16175550100",
        "Acknowledged by " + demo.nurse.name,
        "Alert upgraded: Urgent to Emergency",
        "delivered",
        "Neuro change: confusion",
        "ICANS",
        "CRS",
    ):
        assert expected in page, expected


def test_html_page_is_one_self_contained_printable_file(client, demo):
    page, response = html_page(client, demo, query_string={"format": "html"})
    parsed = _Page()
    parsed.feed(page)
    assert page.startswith("<!doctype html>")
    assert parsed.tags.count("html") == parsed.tags.count("body") == parsed.tags.count("style") == 1
    assert not {"script", "link", "img", "iframe", "object", "embed", "base", "form"} & set(parsed.tags)
    assert not {"src", "href", "srcset", "action", "onload", "onclick"} & parsed.attributes
    style = "".join(parsed.styles)
    assert "@media print" in style and "@page" in style
    assert "url(" not in style and "@import" not in style
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_accept_header_chooses_the_page_and_format_overrides_it(client, demo):
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    assert handoff(client, demo, headers=browser).mimetype == "text/html"
    assert handoff(client, demo, headers=browser, query_string={"format": "json"}).mimetype == "application/fhir+json"
    assert handoff(client, demo, headers={"Accept": "application/json"}).mimetype == "application/fhir+json"
    assert handoff(client, demo, query_string={"format": "pdf"}).status_code == 422


def test_names_are_escaped_in_the_page(client, make_center, make_staff, make_patient, login, post_report):
    center = make_center()
    enrolled = make_patient(center, name="Ann <script>alert(1)</script> O'Neil")
    answer = post_report(enrolled, vitals={"temperature_f": 101.5})
    headers = login(make_staff("nurse", center))
    page = client.get(f"/api/v1/alerts/{answer['alert']['id']}/handoff?format=html", headers=headers)
    text = page.get_data(as_text=True)
    assert "<script>" not in text and "Ann &lt;script&gt;" in text
    assert "38.6 °C (entered 101.5 °F)" in text


def test_alert_without_pages_still_makes_a_valid_document(
    client, make_center, make_staff, make_patient, login, post_report
):
    center = make_center()  # nobody on call and no admins: the first step pages no one
    enrolled = make_patient(center)
    answer = post_report(enrolled, vitals={"temperature_c": 38.6})
    headers = login(make_staff("nurse", center))
    document = client.get(f"/api/v1/alerts/{answer['alert']['id']}/handoff", headers=headers).json
    validate_bundle(document)
    pages = next(s for s in document["entry"][0]["resource"]["section"] if s["title"] == "Pages and acknowledgement")
    assert "entry" not in pages and "No pages were sent." in pages["text"]["div"]
    page = client.get(f"/api/v1/alerts/{answer['alert']['id']}/handoff?format=html", headers=headers)
    assert "No pages were sent." in page.get_data(as_text=True)


def test_handoff_reads_are_audited(client, demo):
    handoff(client, demo)
    handoff(client, demo, query_string={"format": "html"})
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.handoff")).all()
    assert [(e.patient_id, e.target_id, e.details["format"]) for e in events] == [
        (demo.patient_id, demo.alert_id, "fhir"),
        (demo.patient_id, demo.alert_id, "html"),
    ]


def test_openapi_documents_both_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    export = spec["paths"]["/api/v1/patients/{patient_id}/fhir"]["get"]
    assert "application/fhir+json" in export["responses"]["200"]["content"]
    assert any(p["name"] == "_since" for p in export["parameters"])
    packet = spec["paths"]["/api/v1/alerts/{alert_id}/handoff"]["get"]
    assert {"application/fhir+json", "text/html"} <= set(packet["responses"]["200"]["content"])
    assert packet["security"] == [{"bearerAuth": []}]


def _timeline_div(client, demo) -> str:
    document = handoff(client, demo).json
    section = next(s for s in document["entry"][0]["resource"]["section"] if s["title"] == "CRS/ICANS timeline")
    return section["text"]["div"]


def test_persisting_findings_are_not_repeated_as_new(client, demo, post_report, frozen_clock):
    for _ in range(3):
        post_report(demo.enrolled, vitals={"temperature_c": 38.9, "heart_rate": 131}, symptoms={"dizziness": 3})
        frozen_clock.advance(minutes=20)
    div = _timeline_div(client, demo)
    assert div.split("<tbody>")[1].count("<tr>") == 7  # 6 reports and the acknowledgement
    assert div.count("CRS: Temperature") == 1  # the onset only; later fevers show in the values
    assert div.count("<td>38.9</td>") == 3
    assert div.count("CRS: Dizziness") == 1  # a rule firing for the first time is new, once


def test_long_timelines_keep_baseline_onset_and_latest(client, demo, post_report, frozen_clock):
    for _ in range(14):
        post_report(demo.enrolled, vitals={"temperature_c": 38.9, "heart_rate": 131})
        frozen_clock.advance(minutes=20)
    div = _timeline_div(client, demo)
    body = div.split("<tbody>")[1]
    assert body.count("<tr>") == 12
    first, onset = body.split("</tr>")[:2]
    assert "Routine" in first and "36.8" in first
    assert "CRS: Temperature 38.6 °C is at or above 38.0 °C" in onset and "Alert opened (Urgent)" in onset
    assert "rows between the onset and the latest not shown" in div
    page = handoff(client, demo, query_string={"format": "html"}).get_data(as_text=True)
    assert "rows between the onset and the latest not shown" in page
