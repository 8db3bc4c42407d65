"""The rows of the CSV export and of the report's tables, made from the dataset.

One dataclass per file; `csvio` writes and re-reads them. Pseudonymous like the FHIR export:
patient codes, never names, Telegram ids or free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.records.dataset import Dataset
from bot.records.dose import WeekDose
from bot.records.metrics import PatientOutcome, WeekActivity, WeekOutcomes
from dialogs.records import Escalation

PHQ9_ITEMS = tuple(f"phq9_{n}" for n in range(1, 10))


@dataclass(frozen=True)
class PatientRow:
    code: str
    language: str
    journey: str
    enrolled_at: dt.datetime
    consent_version: str | None
    programme_start: dt.date | None
    discharged_at: dt.datetime | None
    consent_withdrawn_at: dt.datetime | None


@dataclass(frozen=True)
class Phq9Row:
    code: str
    checkin_id: int
    kind: str
    instrument_version: str
    completed_at: dt.datetime | None
    phq9_1: int | None
    phq9_2: int | None
    phq9_3: int | None
    phq9_4: int | None
    phq9_5: int | None
    phq9_6: int | None
    phq9_7: int | None
    phq9_8: int | None
    phq9_9: int | None
    difficulty: int | None
    total: int | None
    band: str | None
    safety_positive: bool


@dataclass(frozen=True)
class SessionRow:
    code: str
    session_id: int
    day: dt.date
    status: str
    planned: bool
    modality: str | None
    minutes: int | None
    exertion: int | None
    mood_before: int | None
    mood_after: int | None


@dataclass(frozen=True)
class EscalationRow:
    code: str
    escalation_id: int
    trigger: str
    priority: str
    state: str
    level: int
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    resolved_at: dt.datetime | None
    seconds_to_acknowledge: float | None
    seconds_to_resolve: float | None
    patient_response: str | None


@dataclass(frozen=True)
class WeekDoseRow:
    code: str
    week: int
    start: dt.date
    phase_id: int | None
    sessions_low: int
    sessions_high: int
    session_minutes_low: int
    session_minutes_high: int
    weekly_minutes_low: int
    weekly_minutes_high: int
    rpe_low: int
    rpe_high: int
    hrr_percent_low: int
    hrr_percent_high: int
    delivered_minutes: int
    sessions_done: int
    sessions_partial: int
    sessions_not_done: int
    mean_effort: float | None
    phq9_total: int | None
    fidelity: float | None


def patient_rows(dataset: Dataset) -> list[PatientRow]:
    return [
        PatientRow(
            code=p.code,
            language=p.patient.language,
            journey=p.patient.journey,
            enrolled_at=p.patient.created_at,
            consent_version=p.consents[-1].version if p.consents else None,
            programme_start=p.profile.programme_start,
            discharged_at=p.discharged_at,
            consent_withdrawn_at=p.consent_withdrawn_at,
        )
        for p in dataset.patients
    ]


def phq9_rows(dataset: Dataset) -> list[Phq9Row]:
    rows = []
    for p in dataset.patients:
        for c in p.checkins:
            items: dict[str, Any] = {item: c.answers.get(item) for item in PHQ9_ITEMS}
            rows.append(
                Phq9Row(
                    code=p.code,
                    checkin_id=c.id or 0,
                    kind=c.kind.value,
                    instrument_version=c.instrument_version,
                    completed_at=c.completed_at,
                    **items,
                    difficulty=c.difficulty,
                    total=c.total,
                    band=c.band,
                    safety_positive=c.safety_positive,
                )
            )
    return rows


def session_rows(dataset: Dataset) -> list[SessionRow]:
    return [
        SessionRow(
            code=p.code,
            session_id=s.id or 0,
            day=s.day,
            status=s.status.value,
            planned=s.planned,
            modality=s.modality,
            minutes=s.minutes,
            exertion=s.exertion,
            mood_before=s.mood_before,
            mood_after=s.mood_after,
        )
        for p in dataset.patients
        for s in p.sessions
    ]


def _seconds(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds()


def escalation_rows(escalations: Sequence[Escalation]) -> list[EscalationRow]:
    return [
        EscalationRow(
            code=e.patient_code,
            escalation_id=e.id,
            trigger=e.trigger.value,
            priority=e.priority.value,
            state=e.state,
            level=e.level,
            created_at=e.created_at,
            acknowledged_at=e.acknowledged_at,
            resolved_at=e.resolved_at,
            seconds_to_acknowledge=_seconds(e.created_at, e.acknowledged_at),
            seconds_to_resolve=_seconds(e.created_at, e.resolved_at),
            patient_response=e.patient_response,
        )
        for e in escalations
    ]


def week_dose_rows(weeks: Sequence[WeekDose]) -> list[WeekDoseRow]:
    return [
        WeekDoseRow(
            code=w.code,
            week=w.week,
            start=w.start,
            phase_id=w.phase_id,
            sessions_low=w.sessions_low,
            sessions_high=w.sessions_high,
            session_minutes_low=w.session_minutes_low,
            session_minutes_high=w.session_minutes_high,
            weekly_minutes_low=w.weekly_minutes_low,
            weekly_minutes_high=w.weekly_minutes_high,
            rpe_low=w.rpe_low,
            rpe_high=w.rpe_high,
            hrr_percent_low=w.hrr_percent_low,
            hrr_percent_high=w.hrr_percent_high,
            delivered_minutes=w.delivered_minutes,
            sessions_done=w.sessions_done,
            sessions_partial=w.sessions_partial,
            sessions_not_done=w.sessions_not_done,
            mean_effort=w.mean_effort,
            phq9_total=w.phq9_total,
            fidelity=None if w.fidelity is None else round(w.fidelity, 3),
        )
        for w in weeks
    ]


EXPORT_TABLES: dict[str, type[Any]] = {
    "patients.csv": PatientRow,
    "phq9.csv": Phq9Row,
    "sessions.csv": SessionRow,
    "escalations.csv": EscalationRow,
    "weekly_dose.csv": WeekDoseRow,
}
REPORT_TABLES: dict[str, type[Any]] = {
    "weekly_dose.csv": WeekDoseRow,
    "outcomes.csv": PatientOutcome,
    "outcomes_by_week.csv": WeekOutcomes,
    "escalations.csv": EscalationRow,
    "weekly_active.csv": WeekActivity,
}
