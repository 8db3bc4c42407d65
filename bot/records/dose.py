"""Dose fidelity: what the programme prescribed each week beside what the patient did.

Stride stores sessions, not past prescriptions, so a week's prescription is written again
here from the protocol: the phase the programme week falls in, the patient's profile, and
their latest PHQ-9 before the week (a severe band or a safety flag starts low, as it did
then). A phase held back or repeated by the progression rule is not stored, so the protocol's
phase for the week is what is shown — the report says so beside the table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from statistics import mean

from bot.records.dataset import PatientRecords
from content.clinical.prescription import Prescription, prescribe
from content.loader import Content
from dialogs import programme
from dialogs.records import Conversation, SessionStatus
from dialogs.state import PatientState

WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class WeekDose:
    code: str
    week: int
    """Programme week, 1 for the first seven days from the programme start."""
    start: dt.date
    phase_id: int | None
    """None from the maintenance week on."""
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
    """The last PHQ-9 total completed in the week, if any."""

    @property
    def end(self) -> dt.date:
        return self.start + WEEK - dt.timedelta(days=1)

    @property
    def fidelity(self) -> float | None:
        """Delivered minutes over the lower bound of the weekly target (1.0 = dose met)."""
        if self.weekly_minutes_low <= 0:
            return None
        return self.delivered_minutes / self.weekly_minutes_low


def _state(records: PatientRecords, day: dt.date) -> PatientState:
    """The patient as they stood on `day`: check-ins completed before it only."""
    at = dt.datetime.combine(day, dt.time(), dt.UTC)
    return PatientState(
        patient=records.patient,
        profile=records.profile,
        conversation=Conversation(),
        checkins=[c for c in records.checkins if (c.completed_at or c.started_at) < at],
        now=at,
    )


def prescription_for_week(
    records: PatientRecords, content: Content, start: dt.date
) -> Prescription:
    state = _state(records, start)
    given = programme.prescription_input(state, content, start)
    return prescribe(content, dataclasses.replace(given, phase_id=None, phase_week=None))


def programme_weeks(records: PatientRecords, until: dt.date) -> list[tuple[int, dt.date]]:
    """(programme week, first day) for every week begun by `until` (or the discharge)."""
    start = records.profile.programme_start
    if start is None or records.profile.age is None:
        return []
    if records.discharged_at is not None:
        until = min(until, records.discharged_at.date())
    weeks: list[tuple[int, dt.date]] = []
    day, number = start, 1
    while day <= until:
        weeks.append((number, day))
        day, number = day + WEEK, number + 1
    return weeks


def weekly_dose(
    records: PatientRecords, content: Content, until: dt.date, since: dt.date | None = None
) -> list[WeekDose]:
    """One row per programme week, prescribed beside delivered."""
    rows: list[WeekDose] = []
    for number, start in programme_weeks(records, until):
        end = start + WEEK
        if since is not None and end <= since:
            continue
        given = prescription_for_week(records, content, start)
        target = programme.target_band(given)
        week_sessions = [s for s in records.sessions if start <= s.day < end]
        done = [s for s in week_sessions if s.status is SessionStatus.DONE]
        partial = [s for s in week_sessions if s.status is SessionStatus.PARTIAL]
        efforts = [s.exertion for s in done + partial if s.exertion is not None]
        totals = [
            c.total
            for c in records.checkins
            if c.total is not None and start <= (c.completed_at or c.started_at).date() < end
        ]
        rows.append(
            WeekDose(
                code=records.code,
                week=number,
                start=start,
                phase_id=given.phase_id,
                sessions_low=given.sessions_per_week.low,
                sessions_high=given.sessions_per_week.high,
                session_minutes_low=given.minutes.low,
                session_minutes_high=given.minutes.high,
                weekly_minutes_low=target.low,
                weekly_minutes_high=target.high,
                rpe_low=given.rpe.low,
                rpe_high=given.rpe.high,
                hrr_percent_low=given.hrr_percent.low,
                hrr_percent_high=given.hrr_percent.high,
                delivered_minutes=sum(s.minutes or 0 for s in done + partial),
                sessions_done=len(done),
                sessions_partial=len(partial),
                sessions_not_done=len(week_sessions) - len(done) - len(partial),
                mean_effort=round(mean(efforts), 1) if efforts else None,
                phq9_total=totals[-1] if totals else None,
            )
        )
    return rows
