"""Patients in memory for the pure planner tests, and small time helpers.

`make_state()` is an onboarded, active patient training every day at 09:00 in New York,
programme started on Monday 2 February 2026, English. Any Profile, Patient or PatientState
field can be overridden by name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from content.loader import Content, shipped_content
from dialogs.nudges import NudgeKind, Slot, plan
from dialogs.records import (
    CheckinKind,
    CheckinRecord,
    Conversation,
    Patient,
    Profile,
    SessionRecord,
    SessionStatus,
)
from dialogs.state import PatientState
from dialogs.timezones import tz_for

PROGRAMME_START = dt.date(2026, 2, 2)  # a Monday
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]

_PROFILE = {f.name for f in dataclasses.fields(Profile)}
_PATIENT = {f.name for f in dataclasses.fields(Patient)}
_STATE = {f.name for f in dataclasses.fields(PatientState)}


def content() -> Content:
    return shipped_content()


def local(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> dt.datetime:
    """A UTC instant for a wall-clock time in `zone` (an IANA name or `UTC+05:45`)."""
    wall = dt.datetime(year, month, day, hour, minute, tzinfo=tz_for(zone))
    return wall.astimezone(dt.UTC)


def make_state(now: dt.datetime | None = None, **overrides: Any) -> PatientState:
    profile = Profile(
        age=40,
        resting_hr=60,
        beta_blockers=False,
        preferred_modalities=["aerobic"],
        training_days=list(EVERY_DAY),
        preferred_time="09:00",
        programme_start=PROGRAMME_START,
        phase_id=1,
        phase_started=PROGRAMME_START,
    )
    patient = Patient(
        id=7,
        code="S-TEST77",
        telegram_id=700,
        chat_id=700,
        language="en",
        country="US",
        timezone="America/New_York",
        journey="active",
        created_at=dt.datetime(2026, 1, 30, tzinfo=dt.UTC),
    )
    state = PatientState(
        patient=patient,
        profile=profile,
        conversation=Conversation(),
        now=now or local("America/New_York", 2026, 2, 4, 0, 5),
    )
    for name, value in overrides.items():
        if name in _PROFILE:
            setattr(profile, name, value)
        elif name in _PATIENT:
            setattr(patient, name, value)
        elif name in _STATE:
            setattr(state, name, value)
        else:
            raise TypeError(f"make_state() got an unknown field {name!r}")
    return state


def checkin(
    at: dt.datetime, total: int = 12, kind: CheckinKind = CheckinKind.BASELINE
) -> CheckinRecord:
    return CheckinRecord(
        instrument_id="phq9",
        instrument_version="1",
        kind=kind,
        started_at=at - dt.timedelta(minutes=3),
        completed_at=at,
        answers={},
        total=total,
        band="moderate",
    )


def session(
    day: dt.date, status: SessionStatus = SessionStatus.DONE, minutes: int = 20
) -> SessionRecord:
    return SessionRecord(day=day, status=status, planned=True, modality="aerobic", minutes=minutes)


def at(state: PatientState, now: dt.datetime) -> PatientState:
    """The same patient at another instant."""
    return dataclasses.replace(state, now=now)


def of_kind(slots: list[Slot], kind: NudgeKind) -> list[Slot]:
    return [s for s in slots if s.kind is kind]


def plan_days(state: PatientState, first: dt.date, days: int) -> list[Slot]:
    """Plan as the runner does: just after each local midnight, remembering earlier slots."""
    zone = state.patient.timezone
    known: list[Slot] = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        now = local(zone, day.year, day.month, day.day, 0, 5)
        known += plan(at(state, now), content(), known)
    return known
