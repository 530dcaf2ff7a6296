"""What the patient list and the patient page show about each patient, a few queries for all
(app/services/patient_records.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import PRODUCT_DISPLAY, CheckIn, Patient, Report
from app.protocols.schedule import monitoring_phase_label
from app.services.patient_records import adherence_counts, latest_reports, next_check_ins
from app.services.restrictions import Restrictions, compute_restrictions, day_after_infusion


@dataclass
class PatientSummary:
    patient: Patient
    product: str
    day: int
    phase: str
    restrictions: Restrictions
    last_report: Report | None
    next_check_in: CheckIn | None
    done: int  # check-ins completed
    due: int  # check-ins whose window has closed, plus those completed early
    excused_until: datetime | None = None  # check-ins excused by staff until then (still ahead)

    @property
    def adherence(self) -> str:
        if not self.due:
            return "—"
        return f"{self.done}/{self.due} ({round(100 * self.done / self.due)}%)"


def summarise(patients: list[Patient], now: datetime) -> list[PatientSummary]:
    ids = [p.id for p in patients]
    if not ids:
        return []
    reports, next_ones, adherence = latest_reports(ids), next_check_ins(ids, now), adherence_counts(ids, now)
    out = []
    for p in patients:
        day = day_after_infusion(p.infused_at, now, p.timezone)
        done, due = adherence.get(p.id, (0, 0))
        out.append(
            PatientSummary(
                patient=p,
                product=PRODUCT_DISPLAY.get(p.product, p.product),
                day=day,
                phase=monitoring_phase_label(p.protocol.settings, day),
                restrictions=compute_restrictions(p.infused_at, p.timezone, p.protocol.settings.restrictions),
                last_report=reports.get(p.id),
                next_check_in=next_ones.get(p.id),
                done=done,
                due=due,
                excused_until=p.check_ins_excused_until
                if p.check_ins_excused_until and p.check_ins_excused_until > now
                else None,
            )
        )
    return out
