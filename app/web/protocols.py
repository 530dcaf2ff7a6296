"""Protocol pages: the versions, one version in readable form, and a new version made from the
current one in a form, with a dry-run whose result is shown before anything is saved."""

from __future__ import annotations

from collections.abc import Sequence

from flask import flash, redirect, render_template, request, url_for

from app.extensions import db
from app.models import Center, Protocol
from app.protocols.content import RESTRICTION_KEYS
from app.rules import THRESHOLD_SPECS
from app.services.access import protocol_for_staff
from app.services.errors import DomainError
from app.services.protocol_admin import create_version, dry_run
from app.services.protocol_catalogue import (
    all_centers,
    author_of,
    center_exists,
    center_names,
    family_versions,
    visible_protocols,
)
from app.timesource import utcnow
from app.web.blueprints import staff_bp
from app.web.protocol_form import (
    CHECK_IN_KEYS,
    content_digest,
    dry_run_period,
    effective_thresholds,
    field_of,
    form_values,
    proposed_content,
)
from app.web.session import current_staff, staff_required


def load_protocol(protocol_id: int) -> Protocol:
    """A shipped template or a version of the caller's centre; another centre's is a 404."""
    return protocol_for_staff(current_staff(), protocol_id)


def _owners(rows: Sequence[Protocol]) -> dict[int, str]:
    return center_names(p.center_id for p in rows)


@staff_bp.route("/protocols")
@staff_required()
def protocols():
    rows = visible_protocols(current_staff())
    families: dict[str, list[Protocol]] = {}
    for row in rows:
        families.setdefault(row.family, []).append(row)
    return render_template("web/protocols.html", families=families, owners=_owners(rows))


@staff_bp.route("/protocols/<int(max=2147483647):protocol_id>")
@staff_required()
def protocol(protocol_id: int):
    protocol = load_protocol(protocol_id)
    versions = family_versions(current_staff(), protocol)
    author = author_of(protocol)
    return render_template(
        "web/protocol.html",
        protocol=protocol,
        versions=versions,
        author=author,
        owners=_owners([protocol]),
        specs=THRESHOLD_SPECS,
        values=effective_thresholds(protocol.content),
        restriction_keys=RESTRICTION_KEYS,
        check_in_keys=CHECK_IN_KEYS,
    )


def _center_choices(base: Protocol) -> list[Center]:
    """A platform administrator deriving from a template names the centre the version is for."""
    if base.center_id is not None or not current_staff().is_platform_admin:
        return []
    return all_centers()


def _form_page(base: Protocol, values, problems=None, result=None, digest=None, status=200):
    return render_template(
        "web/protocol_new.html",
        base=base,
        values=values,
        problems=problems or {},
        result=result,
        digest=digest,
        specs=THRESHOLD_SPECS,
        restriction_keys=RESTRICTION_KEYS,
        check_in_keys=CHECK_IN_KEYS,
        centers=_center_choices(base),
    ), status


def _chosen_center(base: Protocol, form, problems: dict) -> int | None:
    """The centre the new version is for: its base's, the caller's, or (platform administrator
    and a template) the one chosen in the form."""
    if base.center_id is not None or current_staff().center_id is not None:
        return base.center_id or current_staff().center_id
    try:
        chosen = int(form.get("center_id") or "")
    except ValueError:
        chosen = None
    if chosen is None or not center_exists(chosen):
        problems.setdefault("center_id", []).append("Choose the centre this version is for.")
    return chosen


def _dry_run(content: dict, period, center_id: int | None) -> dict:
    # The reports of the centre the version is for.
    result = dry_run(content, center_id=center_id, patient_id=None, since=period[0], until=period[1])
    db.session.rollback()  # a dry-run leaves no trace but its answer
    return result


@staff_bp.route("/protocols/<int(max=2147483647):protocol_id>/new-version", methods=["GET", "POST"])
@staff_required("clinician", "admin")
def new_version(protocol_id: int):
    base = load_protocol(protocol_id)
    if base.superseded_by_id is not None:
        flash(f"Version {base.version} has been replaced; start from the current version.", "info")
        return redirect(url_for("web.protocol", protocol_id=base.superseded_by_id))
    if request.method == "GET":
        return _form_page(base, form_values(base.content, base.name, utcnow().date()))
    form = request.form
    content, problems = proposed_content(base.content, form, base.jurisdiction)
    period = dry_run_period(form, problems)
    center_id = _chosen_center(base, form, problems)
    if problems:
        return _form_page(base, form, problems, status=422)
    digest = content_digest({"content": content, "center_id": center_id})
    if form.get("action") == "save" and form.get("digest") == digest:
        return _save(base, content, form, center_id)
    if form.get("action") == "save":
        flash(
            "The content changed after the last dry-run. Here is the dry-run of what you would save; "
            "check it and save again.",
            "info",
        )
    return _form_page(base, form, result=_dry_run(content, period, center_id), digest=digest)


def _save(base: Protocol, content: dict, form, center_id: int | None):
    try:
        new = create_version(
            base, content, (form.get("name") or "").strip() or None, current_staff(), center_id=center_id
        )
    except DomainError as exc:
        db.session.rollback()
        problems: dict[str, list[str]] = {}
        for path, messages in exc.fields.items():
            problems.setdefault(field_of(path), []).extend(messages)
        return _form_page(base, form, problems or {"_form": [exc.message]}, status=422)
    db.session.commit()
    flash(
        f"Saved as version {new.version}. Patients stay on their version until moved to this one; "
        "alerts keep the version they were raised with.",
        "success",
    )
    return redirect(url_for("web.protocol", protocol_id=new.id))
