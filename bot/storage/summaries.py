"""One line per patient for the supervisor view: who is how, at a glance.

Three plain queries and a little Python rather than one clever SQL statement: the numbers a
supervisor needs are few, and "this week" depends on each patient's own time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bot.storage.models import CheckinRow, PatientRow, SessionRow
from bot.storage.scope import SessionScope
from dialogs.records import SessionStatus
from dialogs.timezones import tz_for

PHQ9 = "phq9"
WEEK = dt.timedelta(days=7)
_ACTIVE = (SessionStatus.DONE.value, SessionStatus.PARTIAL.value)


@dataclass(frozen=True)
class PatientSummary:
    patient_id: int
    code: str
    journey: str
    latest_phq9_total: int | None
    latest_phq9_at: dt.datetime | None
    sessions_last_7_days: int
    """Sessions done or partly done in the patient's last seven local days, today included."""


class SummariesMixin(SessionScope):
    async def patient_summaries(self, now: dt.datetime) -> list[PatientSummary]:
        patients = list(await self._session.scalars(select(PatientRow).order_by(PatientRow.id)))
        latest: dict[int, tuple[int, dt.datetime]] = {}
        scores = await self._session.execute(
            select(CheckinRow.patient_id, CheckinRow.total, CheckinRow.started_at)
            .where(
                CheckinRow.instrument_id == PHQ9,
                CheckinRow.completed_at.is_not(None),
                CheckinRow.total.is_not(None),
            )
            .order_by(CheckinRow.started_at, CheckinRow.id)
        )
        for patient_id, total, started_at in scores:
            if total is not None:
                latest[patient_id] = (total, started_at)  # ordered: the last one wins
        # A day of margin either side of UTC covers every time zone; filtered exactly below.
        days: dict[int, list[dt.date]] = {}
        sessions = await self._session.execute(
            select(SessionRow.patient_id, SessionRow.day).where(
                SessionRow.status.in_(_ACTIVE), SessionRow.day >= now.date() - WEEK
            )
        )
        for patient_id, day in sessions:
            days.setdefault(patient_id, []).append(day)
        return [_summary(p, latest.get(p.id), days.get(p.id, []), now) for p in patients]


def _summary(
    patient: PatientRow,
    phq9: tuple[int, dt.datetime] | None,
    days: list[dt.date],
    now: dt.datetime,
) -> PatientSummary:
    today = now.astimezone(tz_for(patient.timezone)).date()
    return PatientSummary(
        patient_id=patient.id,
        code=patient.code,
        journey=patient.journey,
        latest_phq9_total=phq9[0] if phq9 else None,
        latest_phq9_at=phq9[1] if phq9 else None,
        sessions_last_7_days=sum(1 for day in days if today - WEEK < day <= today),
    )
