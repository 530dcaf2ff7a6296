"""Bundles: the patient export (a collection, `_since`-filterable) and the ED hand-off
document (Composition first, every reference resolvable inside the Bundle)."""

from __future__ import annotations

import uuid
from datetime import datetime
from html import escape

from app.fhir.common import LOINC, concept, instant, last_updated, meta, patient_ref, ref, ref_to, sid, vigil_base
from app.fhir.communication import page_communication
from app.fhir.detected_issue import detected_issue, evidence_report_ids
from app.fhir.flag import baseline_flag, monitoring_flag
from app.fhir.observations import report_observations
from app.fhir.patient import organization_id, organization_resource, patient_resource
from app.fhir.questionnaire import questionnaire, questionnaire_response
from app.fhir.record import PatientRecord
from app.models import Alert, Center, Report

XHTML = "http://www.w3.org/1999/xhtml"


def full_url(resource_type: str, resource_id: str) -> str:
    """`urn:uuid:` named from the deployment and the resource's logical id: the same resource has
    the same fullUrl in every export, so a receiver can upsert, and no URL claims a server that
    does not serve it."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{vigil_base()}/{resource_type}/{resource_id}')}"


def _rewrite(node: object, urls: dict[str, str]) -> None:
    """Relative references ("Patient/patient-1") -> the fullUrl of that entry. Relative references
    resolve only against RESTful fullUrls (FHIR R4 bundle.html#references), so with urn:uuid ones
    every reference names its entry's fullUrl."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str) and node["reference"] in urls:
            node["reference"] = urls[node["reference"]]
        for value in node.values():
            _rewrite(value, urls)
    elif isinstance(node, list):
        for value in node:
            _rewrite(value, urls)


def bundle_entries(resources: list[dict]) -> list[dict]:
    urls = {f"{r['resourceType']}/{r['id']}": full_url(r["resourceType"], r["id"]) for r in resources}
    for resource in resources:
        _rewrite(resource, urls)
    return [{"fullUrl": urls[f"{r['resourceType']}/{r['id']}"], "resource": r} for r in resources]


def _relative_references(node: object) -> set[str]:
    if isinstance(node, dict):
        found = {node["reference"]} if isinstance(node.get("reference"), str) else set()
        return found.union(*(_relative_references(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_relative_references(v) for v in node))
    return set()


def with_referenced(chosen: list[dict], everything: list[dict]) -> list[dict]:
    """`chosen` plus every resource they refer to, transitively, in `everything`'s order: a `_since`
    Bundle still carries the Patient (and Organization) its Observations point at."""
    index = {f"{r['resourceType']}/{r['id']}": r for r in everything}
    keep = {f"{r['resourceType']}/{r['id']}" for r in chosen}
    todo = list(keep)
    while todo:
        for reference in _relative_references(index[todo.pop()]):
            if reference in index and reference not in keep:
                keep.add(reference)
                todo.append(reference)
    return [r for r in everything if f"{r['resourceType']}/{r['id']}" in keep]


def _report_resources(report: Report) -> list[dict]:
    return [*report_observations(report), *filter(None, [questionnaire_response(report)])]


def patient_resources(record: PatientRecord, now: datetime) -> list[dict]:
    """Everything Vigil holds for one patient as FHIR, in a stable order."""
    names = record.staff_names
    resources = [
        patient_resource(record.patient, record.center),
        organization_resource(record.center),
        questionnaire(),
        monitoring_flag(record.patient, record.protocol, now),
    ]
    resources += filter(None, [baseline_flag(record.patient)])
    for report in record.reports:
        resources += _report_resources(report)
    reports = record.reports_by_id
    resources += [detected_issue(a, reports, names) for a in record.alerts]
    resources += [page_communication(n, record.patient.id, names) for n in record.pages]
    return resources


def export_bundle(record: PatientRecord, *, now: datetime, since: datetime | None = None) -> dict:
    """A collection Bundle; with `since`, the resources whose lastUpdated is later (FHIR Bulk Data
    `_since` semantics) and those they refer to, so the Bundle is self-contained. Ids are stable,
    so overlapping windows are harmless upserts."""
    resources = patient_resources(record, now)
    if since is not None:
        changed = [r for r in resources if last_updated(r) > since]
        resources = with_referenced(changed, resources) if changed else []
    return {
        "resourceType": "Bundle",
        "id": f"export-patient-{record.patient.id}",
        "meta": {"lastUpdated": instant(now)},
        "type": "collection",
        "timestamp": instant(now),
        "entry": bundle_entries(resources),
    }


# ---- hand-off document -----------------------------------------------------------------------


def _div(*parts: str) -> dict:
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{"".join(parts)}</div>'}


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def _table(head: tuple[str, ...], rows: list[tuple]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, text: dict, entries: list[dict] | None = None, code: dict | None = None) -> dict:
    section: dict = {"title": title}
    if code:
        section["code"] = code
    section["text"] = text
    if entries:
        section["entry"] = entries
    return section


def _therapy_section(summary: dict, flag: dict, baseline: dict | None) -> dict:
    t, c = summary["therapy"], summary["center"]
    notice = [_p(summary["baseline_notice"])] if summary.get("baseline_notice") else []
    return _section(
        "CAR T-cell therapy",
        _div(
            _p(f"Product: {t['product']} ({t['target']}). Infused {t['infusion_date']}; today is day {t['day']}."),
            _p(f"Home monitoring {'through' if t['in_window'] else 'ended after'} {t['monitoring_through']}."),
            *notice,
            _p(f"I received CAR T on {t['infusion_date']}, product {t['product']}. Call {c['name']}: {c['phone']}."),
        ),
        [ref_to(flag)] + ([ref_to(baseline)] if baseline else []),
    )


def _alert_section(summary: dict, issue: dict) -> dict:
    a = summary["alert"]
    items = "".join(f"<li>{escape(f)}</li>" for f in a["findings"])
    status = f"{a['level']} alert, {a['status']}, opened {a['opened_at']}"
    if a["acknowledged"]:
        status += f"; acknowledged by {a['acknowledged']}"
    return _section("Alert", _div(_p(status), f"<ul>{items}</ul>" if items else ""), [ref_to(issue)])


def _vitals_section(summary: dict, observations: list[dict]) -> dict:
    rows = [(v["label"], v["value"], v["at"], v["day"]) for v in summary["vitals"]]
    table = _table(("Measure", "Latest value", "Recorded", "Day"), rows) if rows else _p("No vital signs reported.")
    text = _div(table, _p("Home readings by the patient or caregiver; the ICE test is caregiver-administered."))
    code = concept({"system": LOINC, "code": "8716-3", "display": "Vital signs"})
    return _section("Latest vital signs and ICE", text, [ref_to(o) for o in observations], code)


TIMELINE_HEAD = (
    "When",
    "Day",
    "Level",
    "Temp °C",
    "HR /min",
    "BP mmHg",
    "SpO2 %",
    "ICE",
    "Neuro and danger signs",
    "New findings and alert course",
)


def _timeline_section(summary: dict) -> dict:
    rows = [
        (
            r["at"],
            r["day"],
            r["level"],
            r["temp"],
            r["hr"],
            r["bp"],
            r["spo2"],
            r["ice"],
            "; ".join(r["neuro"]),
            "; ".join(r["notes"]),
        )
        for r in summary["timeline"]
    ]
    parts = [_table(TIMELINE_HEAD, rows) if rows else _p("Nothing recorded.")]
    if summary["timeline_omitted"]:
        parts.append(_p(f"{summary['timeline_omitted']} rows between the onset and the latest not shown."))
    return _section("CRS/ICANS timeline", _div(*parts))


def _pages_section(summary: dict, communications: list[dict]) -> dict:
    rows = [(p["at"], p["to"], p["step"], p["status"]) for p in summary["pages"]]
    text = _div(
        _table(("When", "To", "Step", "Delivery"), rows) if rows else _p("No pages were sent."),
        *(_p(f"Page text: {t}") for t in summary["alert"]["paged_texts"]),
        _p(f"Acknowledged by {summary['alert']['acknowledged']}")
        if summary["alert"]["acknowledged"]
        else _p("Not acknowledged yet."),
    )
    return _section("Pages and acknowledgement", text, [ref_to(c) for c in communications])


def _contact_section(summary: dict, organization: dict) -> dict:
    c = summary["center"]
    return _section("CAR T centre 24/7 contact", _div(_p(f"{c['name']}: {c['phone']}")), [ref_to(organization)])


def _unique(resources: list[dict]) -> list[dict]:
    seen, kept = set(), []
    for r in resources:
        if (key := (r["resourceType"], r["id"])) not in seen:
            seen.add(key)
            kept.append(r)
    return kept


def _by_id(resources: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in resources}


def _composition_narrative(summary: dict, title: str) -> dict:
    t, a, c = summary["therapy"], summary["alert"], summary["center"]
    return _div(
        f"<h1>{escape(title)}</h1>",
        _p(f"{t['product']} CAR T-cell therapy, infused {t['infusion_date']} (day {t['day']})."),
        _p(f"{a['level']} alert, {a['status']}, opened {a['opened_at']}."),
        _p(f"CAR T centre 24/7: {c['name']}, {c['phone']}."),
    )


def _handoff_composition(
    alert_id: int, patient_id: int, center: Center, summary: dict, sections: list[dict], now: datetime
) -> dict:
    title = f"CAR T-cell therapy: emergency hand-off ({summary['therapy']['product']}, day {summary['therapy']['day']})"
    return {
        "resourceType": "Composition",
        "id": f"handoff-{alert_id}",
        "meta": meta(now),
        # What a reader sees first, whatever system shows the document (R4 dom-6: a narrative).
        "text": _composition_narrative(summary, title),
        # Same identifier for every version of this alert's hand-off; the Bundle's is per instance.
        "identifier": {"system": sid("handoff"), "value": f"alert-{alert_id}"},
        "status": "final",
        "type": concept(
            {"system": LOINC, "code": "18761-7", "display": "Transfer summary note"},
            text="CAR T emergency department hand-off",
        ),
        "subject": patient_ref(patient_id),
        "date": instant(now),
        "author": [ref("Organization", organization_id(center.id), center.name)],
        "title": title,
        "custodian": ref("Organization", organization_id(center.id)),
        "section": sections,
    }


def handoff_document(record: PatientRecord, alert: Alert, summary: dict, *, now: datetime) -> dict:
    patient, center = record.patient, record.center
    organization, flag = organization_resource(center), monitoring_flag(patient, record.protocol, now)
    baseline = baseline_flag(patient)
    issue = detected_issue(alert, record.reports_by_id, record.staff_names)
    reports = record.reports_by_id
    evidence = [r for rid in evidence_report_ids(alert) if rid in reports for r in _report_resources(reports[rid])]
    everything = _by_id([o for r in record.reports for o in report_observations(r)])
    latest = [everything[v["observation"]] for v in summary["vitals"] if v["observation"] in everything]
    communications = [page_communication(n, patient.id, record.staff_names) for n in record.pages_of(alert)]
    sections = [
        _therapy_section(summary, flag, baseline),
        _alert_section(summary, issue),
        _vitals_section(summary, latest),
        _timeline_section(summary),
        _pages_section(summary, communications),
        _contact_section(summary, organization),
    ]
    composition = _handoff_composition(alert.id, patient.id, center, summary, sections, now)
    resources = _unique(
        [
            composition,
            patient_resource(patient, center),
            organization,
            flag,
            *filter(None, [baseline]),
            issue,
            *evidence,
            *latest,
            *communications,
        ]
    )
    instance = f"handoff-{alert.id}-{now.strftime('%Y%m%dT%H%M%S%f')}"
    return {
        "resourceType": "Bundle",
        "id": instance,
        "meta": {"lastUpdated": instant(now)},
        "identifier": {"system": sid("handoff-document"), "value": instance},
        "type": "document",
        "timestamp": instant(now),
        "entry": bundle_entries(resources),
    }
