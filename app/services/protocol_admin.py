"""Clinicians adjust protocols: new versions (validated, immutable once stored) and dry-runs
that replay stored reports through a proposed version before anyone adopts it."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from app.extensions import db
from app.models import PRODUCTS, Center, Patient, Protocol, Report, StaffUser
from app.protocols.content import ProtocolContentSchema, validate_content
from app.protocols.settings import ProtocolSettings
from app.rules import Level, Thresholds, assess
from app.services import audit
from app.services.errors import ConflictError, InvalidError
from app.services.grading import HISTORY_WINDOW, patient_context, report_input
from app.timesource import utcnow

LEVELS = Level.labels()
EXAMPLES = 20


def _check(content: dict, products: list[str], jurisdiction: str) -> dict:
    problems = {f"content.{k}": v for k, v in validate_content(content, jurisdiction).items()}
    unknown = sorted(set(products) - set(PRODUCTS))
    if unknown or not products:
        problems["products"] = [f"Unknown products: {unknown}." if unknown else "Name at least one product."]
    if jurisdiction not in ("US", "EU", "UK"):
        problems["jurisdiction"] = ["Must be US, EU or UK."]
    if problems:
        raise InvalidError("This protocol is not valid: " + ", ".join(sorted(problems)), fields=problems)
    return ProtocolContentSchema().load(content)


def _owner(base: Protocol | None, staff: StaffUser, center_id: int | None) -> int:
    """The centre the new version belongs to: its base's centre, else the one named, else the
    caller's own. Shipped templates are read-only: nobody makes a version without a centre."""
    owner = base.center_id if base is not None and base.center_id is not None else center_id or staff.center_id
    if owner is None:
        raise InvalidError(
            "Not valid: center_id",
            fields={"center_id": ["A platform administrator names the centre this version is for."]},
        )
    if center_id is not None and center_id != owner:
        raise InvalidError(
            "Not valid: center_id", fields={"center_id": ["The base version belongs to another centre."]}
        )
    if not staff.can_see_center(owner) or db.session.get(Center, owner) is None:
        raise InvalidError("Not valid: center_id", fields={"center_id": ["No such centre, or not yours."]})
    return owner


def _refuse_existing_family(family: str | None, owner: int | None) -> None:
    """A new family may not take the name of one the centre already sees (its own or a template)."""
    if db.session.scalar(
        select(Protocol.id)
        .where(Protocol.family == family, or_(Protocol.center_id.is_(None), Protocol.center_id == owner))
        .limit(1)
    ):
        raise ConflictError(
            "This family exists; derive a version from it with base_id.",
            code="family_exists",
            fields={"family": ["Already exists."]},
        )


def _next_version(family: str | None) -> int:
    # Version numbers are unique in a family across owners, so "us-cd19 v4" names one row.
    top = db.session.scalar(
        select(Protocol.version).where(Protocol.family == family).order_by(Protocol.version.desc()).limit(1)
    )
    return (top or 0) + 1


def create_version(
    base: Protocol | None,
    content: dict,
    name: str | None,
    staff: StaffUser,
    *,
    family: str | None = None,
    jurisdiction: str | None = None,
    products: list[str] | None = None,
    make_default: bool = False,
    center_id: int | None = None,
) -> Protocol:
    """A new version of `base`'s family (or version 1 of a new `family`) for one centre. Never
    edits a stored row but to mark the centre's own base as superseded."""
    family = base.family if base is not None else family
    jurisdiction = jurisdiction or (base.jurisdiction if base else "")
    products = list(products if products is not None else (base.products if base else []))
    loaded = _check(content, products, jurisdiction)
    owner = _owner(base, staff, center_id)
    if base is None:
        _refuse_existing_family(family, owner)
    new = Protocol(
        family=family,
        version=_next_version(family),
        name=name or (base.name if base else family),
        jurisdiction=jurisdiction,
        products=products,
        content=loaded,
        created_by_id=staff.id,
        created_at=utcnow(),
        is_default=False,
        center_id=owner,
    )
    db.session.add(new)
    db.session.flush()
    if base is not None and base.center_id == owner:
        base.superseded_by_id = new.id  # a template stays current for every other centre
    if make_default:
        _make_default(new)
    audit.record(
        "protocol.create",
        target_type="protocol",
        target_id=new.id,
        details={"family": family, "version": new.version, "base_id": base.id if base else None, "center_id": owner},
    )
    return new


def set_default(protocol: Protocol, is_default: bool) -> None:
    """A centre chooses (or stops choosing) one of its own current versions as its default for the
    version's products; without a choice its new patients get the shipped default."""
    if protocol.center_id is None:
        raise ConflictError(
            "A shipped template is read-only; make a version for your centre from it.", code="template_read_only"
        )
    if protocol.superseded_by_id is not None and is_default:
        raise ConflictError("This version has been replaced; choose the current one.", code="superseded")
    if is_default:
        _make_default(protocol)
    else:
        protocol.is_default = False
    audit.record(
        "protocol.default",
        target_type="protocol",
        target_id=protocol.id,
        details={"is_default": is_default, "center_id": protocol.center_id},
    )


def _make_default(protocol: Protocol) -> None:
    """The centre's default for each of this version's products; its earlier defaults that this
    one covers entirely step down (one covering other products too stays default for those)."""
    for other in db.session.scalars(
        select(Protocol).where(Protocol.center_id == protocol.center_id, Protocol.is_default.is_(True))
    ):
        if set(other.products) <= set(protocol.products):
            other.is_default = False
    protocol.is_default = True


def _reports_in_scope(
    center_id: int | None, patient_id: int | None, since: datetime, until: datetime
) -> dict[int, list[Report]]:
    """Per patient, its reports from HISTORY_WINDOW (30 days) before `since`: the history the rules look back on."""
    query = (
        select(Report)
        .join(Patient, Patient.id == Report.patient_id)
        .where(Report.recorded_at >= since - HISTORY_WINDOW, Report.recorded_at < until)
    )
    if patient_id is not None:
        query = query.where(Report.patient_id == patient_id)
    if center_id is not None:
        query = query.where(Patient.center_id == center_id)
    grouped: dict[int, list[Report]] = defaultdict(list)
    for report in db.session.scalars(query.order_by(Report.patient_id, Report.recorded_at)):
        grouped[report.patient_id].append(report)
    return grouped


def dry_run(content: dict, *, center_id: int | None, patient_id: int | None, since: datetime, until: datetime) -> dict:
    """Replay stored reports through `content`'s thresholds; compare with what was raised.
    Read-only: nothing is stored, paged or changed."""
    thresholds = Thresholds.from_dict(dict(ProtocolSettings.parse(content).thresholds))
    current: Counter[str] = Counter()
    proposed: Counter[str] = Counter()
    examples: list[dict[str, Any]] = []
    replayed = 0
    for pid, reports in _reports_in_scope(center_id, patient_id, since, until).items():
        patient = db.session.get_one(Patient, pid)
        inputs = [report_input(r) for r in reports]
        for i, report in enumerate(reports):
            if report.recorded_at < since:
                continue
            recent = [x for x in reversed(inputs[:i]) if x.recorded_at >= report.recorded_at - HISTORY_WINDOW]
            level = assess(inputs[i], patient_context(patient, report, recent), thresholds).level.label
            replayed += 1
            current[report.level] += 1
            proposed[level] += 1
            if level != report.level and len(examples) < EXAMPLES:
                examples.append(
                    {
                        "report_id": report.id,
                        "patient_id": pid,
                        "recorded_at": report.recorded_at,
                        "was": report.level,
                        "would_be": level,
                    }
                )
    return {
        "reports": replayed,
        "since": since,
        "until": until,
        "per_level": {
            lvl: {"raised": current[lvl], "would_raise": proposed[lvl], "difference": proposed[lvl] - current[lvl]}
            for lvl in LEVELS
        },
        "pages": {
            "raised": current["urgent"] + current["emergency"],
            "would_raise": proposed["urgent"] + proposed["emergency"],
        },
        "examples": examples,
    }
