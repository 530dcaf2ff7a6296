"""Demo data: one US centre, its staff and on-call nurse, patients at different days after
infusion, with reports that open alerts. Idempotent: everything is found by a natural key
(email, MRN, enrollment lookup, report client_id) before it is created.

Phone numbers are in the 555-01xx range reserved for fiction; passwords are for the demo only.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.demo_reports import add_demo_reports
from app.extensions import db
from app.models import Alert, AlertStatus, Center, EnrollmentCode, OnCallShift, Patient, StaffUser
from app.notify.texts import push_check_in
from app.services.devices import device_of, register
from app.services.enrollment import _hash_secret
from app.services.escalation import call_text_for
from app.services.patients import create_patient
from app.services.protocols import sync_default_protocols
from app.services.staff import create_staff
from app.timesource import utcnow

DEMO_PASSWORD = "vigil-demo-password"  # noqa: S105 - printed by the demo, never used in production
CENTER = {
    "name": "Riverside CAR T Center (demo)",
    "timezone": "America/New_York",
    "jurisdiction": "US",
    "phone": "+16175550100",
}
STAFF = [
    ("admin@vigil.demo", "admin", "Alex Admin", "+16175550101"),
    ("clinician@vigil.demo", "clinician", "Dr Casey Clinician", "+16175550102"),
    ("nurse@vigil.demo", "nurse", "Nico Nurse", "+16175550103"),
]
PUSH_PATIENT = "DEMO-1002"  # has the app registered for pushes
# (mrn, name, product, days since infusion, language, demo code)
PATIENTS = [
    ("DEMO-1001", "Maria Lopez", "yescarta", 2, "es", "DEMOA-100001"),
    ("DEMO-1002", "John Carter", "kymriah", 9, "en", "DEMOB-100002"),
    ("DEMO-1003", "Grace Kim", "carvykti", 20, "en", "DEMOC-100003"),
    ("DEMO-1004", "Samuel Okafor", "abecma", 45, "en", "DEMOD-100004"),
]


def _center() -> Center:
    center = db.session.scalar(select(Center).where(Center.name == CENTER["name"]))
    if center is None:
        center = Center(**CENTER)
        db.session.add(center)
        db.session.flush()
    return center


def _staff(center: Center) -> dict[str, StaffUser]:
    users = {}
    for email, role, name, phone in STAFF:
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is None:
            user = create_staff(
                email=email, password=DEMO_PASSWORD, role=role, center_id=center.id, phone=phone, name=name
            )
        users[role] = user
    return users


def _on_call(center: Center, nurse: StaffUser) -> None:
    exists = db.session.scalar(select(OnCallShift.id).where(OnCallShift.center_id == center.id))
    if exists is None:
        db.session.add(
            OnCallShift(center_id=center.id, staff_id=nurse.id, starts_at=utcnow() - timedelta(days=1), ends_at=None)
        )


def _patient(center: Center, index: int, spec: tuple) -> Patient:
    mrn, name, product, days, language, code = spec
    patient = db.session.scalar(select(Patient).where(Patient.center_id == center.id, Patient.mrn == mrn))
    if patient is None:
        data = {
            "mrn": mrn,
            "name": name,
            "phone": f"+1617555{150 + index:04d}",
            "language": language,
            "product": product,
            "infused_at": utcnow() - timedelta(days=days, hours=3),
            "caregiver_name": f"Caregiver of {name.split()[0]}",
            "caregiver_phone": f"+1617555{170 + index:04d}",
            "channel": "app",
            "baseline": {
                "systolic_bp": 122,
                "heart_rate": 78,
                "spo2": 98,
                "ice_score": 10,
                "weight_kg": 72,
                "handwriting_sample": True,
            },
        }
        patient, _random_code = create_patient(data, center)
        _set_demo_code(patient, code)
    _refresh_demo_code(code)
    return patient


def _set_demo_code(patient: Patient, code: str) -> None:
    """Replace the random code with a fixed one so the demo prints the same code every run."""
    lookup, secret = code.split("-")
    row = db.session.scalar(
        select(EnrollmentCode).where(EnrollmentCode.patient_id == patient.id, EnrollmentCode.used_at.is_(None))
    )
    assert row is not None  # enrolling the patient issued it
    row.lookup, row.secret_hash = lookup, _hash_secret(lookup, secret)


def _refresh_demo_code(code: str) -> None:
    """An unused demo code that expired (the demo was loaded days ago) works again."""
    row = db.session.scalar(select(EnrollmentCode).where(EnrollmentCode.lookup == code.split("-")[0]))
    if row is not None and row.used_at is None and row.expires_at <= utcnow():
        row.expires_at = utcnow() + timedelta(hours=72)
        row.wrong_tries = 0


def _code_state(code: str) -> str:
    row = db.session.scalar(select(EnrollmentCode).where(EnrollmentCode.lookup == code.split("-")[0]))
    if row is None:
        return "missing"
    if row.used_at is not None:
        return "already used"
    return "valid until " + row.expires_at.strftime("%Y-%m-%d %H:%M UTC") if row.expires_at > utcnow() else "expired"


def load_demo() -> list[str]:
    sync_default_protocols()
    center = _center()
    staff = _staff(center)
    _on_call(center, staff["nurse"])
    patients = [_patient(center, i, spec) for i, spec in enumerate(PATIENTS)]
    db.session.commit()
    add_demo_reports(patients)
    db.session.commit()
    lines = [
        f"Demo centre: {center.name} (id {center.id}), care-team phone {center.phone}",
        f"Staff logins (password: {DEMO_PASSWORD}):",
    ]
    lines += [f"  {role:9} {user.email}" for role, user in staff.items()]
    lines.append('Patient enrollment codes (POST /api/v1/auth/enroll {"code": ...}):')
    for patient, spec in zip(patients, PATIENTS, strict=True):
        lines.append(f"  {spec[0]} {patient.product:9} day {spec[3]:>3}  {spec[5]}  ({_code_state(spec[5])})")
    return lines + _channel_lines(patients)


def _demo_device(patient: Patient) -> None:
    """One patient's app registered for pushes, as PUT /api/v1/me/device would."""
    if device_of(patient.id) is None:
        register(patient, platform="android", token="demo-fcm-token-" + "0" * 48, app_version="demo", now=utcnow())


def _channel_lines(patients: list[Patient]) -> list[str]:
    """What the demo would push and say on the phone (the log backends print each send)."""
    pushed = next(p for p in patients if p.mrn == PUSH_PATIENT)
    _demo_device(pushed)
    db.session.commit()
    title, body = push_check_in(pushed.language)
    backends = ", ".join(
        f"{key}={current_app.config.get(key) or 'log'}" for key in ("SMS_BACKEND", "PUSH_BACKEND", "VOICE_BACKEND")
    )
    lines = [
        f"Channels: {backends}",
        f"  Push: {pushed.name}'s app is registered; each check-in reminder is pushed as "
        f'"{title}: {body}" with data {{kind: check_in, check_in_id}} (no health data), SMS if FCM refuses.',
    ]
    alert = db.session.scalar(
        select(Alert)
        .where(
            Alert.center_id == pushed.center_id,
            Alert.status == AlertStatus.OPEN,
            Alert.level.in_(("urgent", "emergency")),
        )
        .order_by(Alert.id)
    )
    if alert is not None:
        lines.append(
            f"  Call: emergency chains call and text from step 1, urgent ones call from step 2; "
            f'alert {alert.id} would say, twice: "{call_text_for(alert)}"'
        )
    lines.append("  The clock prints each as a PUSH, SMS or CALL line.")
    return lines


def welcome_lines(base_url: str) -> list[str]:
    """What `make run` prints before starting: where Vigil answers, who can sign in, and a phone's
    path to paste into a shell (enroll with an unused demo code, then report a fever with curl)."""
    base = base_url.rstrip("/")
    lines = [
        f"Vigil answers on {base}  (API docs: {base}/api/v1/docs, care-team pages: {base}/)",
        f"Staff sign-ins (password {DEMO_PASSWORD}): "
        + ", ".join(f"{role}@vigil.demo" for role in ("admin", "clinician", "nurse")),
    ]
    unused = next((spec for spec in PATIENTS if _code_state(spec[5]).startswith("valid")), None)
    if unused is None:
        return [
            *lines,
            "Every demo enrollment code is used: sign in as the nurse and issue a new one with",
            "  POST /api/v1/patients/{id}/enrollment-code (or `make clean` for a fresh demo).",
        ]
    code = unused[5]
    return [
        *lines,
        f"A phone's path ({unused[1]}, code {code}, works once): paste into a shell while Vigil runs:",
        PHONE_PATH_START,
        f"TOKEN=$(curl -s {base}/api/v1/auth/enroll -H 'content-type: application/json' \\",
        f'  -d \'{{"code": "{code}"}}\' \\',
        r"""  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')""",
        "NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)",
        f'curl -s {base}/api/v1/me/reports -H "authorization: Bearer $TOKEN" \\',
        "  -H 'content-type: application/json' \\",
        r"""  -d '{"client_id": "phone-'$(date +%s)'", "recorded_at": "'$NOW'", """
        r""""vitals": {"temperature_c": 38.9}}'""",
        PHONE_PATH_END,
    ]


PHONE_PATH_START = "# ---- phone path (copy from here) ----"
PHONE_PATH_END = "# ---- to here ----"
