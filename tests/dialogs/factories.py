"""Patients in memory, and one helper that runs an event through the real router.

`make_state()` is an onboarded, active patient: 40 years old, resting heart rate 60, no
beta-blockers, training Monday, Wednesday and Friday at 08:00 in Madrid, whose programme
started on Monday 23 November 2026. The clock stands on Wednesday 25 November, 08:30 local
time (a training day in programme week 1) unless `now` says otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from typing import Any

from content.clinical.risk import RiskScreen
from content.loader import Content, shipped_content
from dialogs import router
from dialogs.context import DialogContext, DialogDeps
from dialogs.events import Command, Event, Press
from dialogs.records import (
    CheckinKind,
    CheckinRecord,
    Conversation,
    Patient,
    Profile,
    SessionRecord,
    SessionStatus,
)
from dialogs.screens import Screen
from dialogs.state import Outcome, PatientState
from state_machines.journey import JourneyState

PROGRAMME_START = dt.date(2026, 11, 23)  # a Monday
# Wednesday 25 November 2026, 08:30 in Madrid (UTC+1).
NOW = dt.datetime(2026, 11, 25, 7, 30, tzinfo=dt.UTC)

_PROFILE = {f.name for f in dataclasses.fields(Profile)}
_PATIENT = {f.name for f in dataclasses.fields(Patient)}
_STATE = {f.name for f in dataclasses.fields(PatientState)}


@cache
def deps() -> DialogDeps:
    content = shipped_content()
    return DialogDeps(content=content, risk=RiskScreen(content.risk))


def content() -> Content:
    return deps().content


def make_state(started_days_ago: int | None = None, **overrides: Any) -> PatientState:
    """An onboarded active patient; any Profile, Patient or PatientState field can be set.

    `started_days_ago` moves the programme (and phase) start to that many days before `now`.
    """
    profile = Profile(
        age=40,
        resting_hr=60,
        beta_blockers=False,
        activity_level="some",
        preferred_modalities=["aerobic"],
        training_days=[0, 2, 4],
        preferred_time="08:00",
        programme_start=PROGRAMME_START,
        phase_id=1,
        phase_started=PROGRAMME_START,
        values_text="Being there for my kids",
    )
    patient = Patient(
        id=1,
        code="P-TEST",
        telegram_id=100,
        chat_id=100,
        language="en",
        country="ES",
        timezone="Europe/Madrid",
        journey=JourneyState.ACTIVE,
        created_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    )
    state = PatientState(patient=patient, profile=profile, conversation=Conversation(), now=NOW)
    for name, value in overrides.items():
        if name in _PROFILE:
            setattr(profile, name, value)
        elif name in _PATIENT:
            setattr(patient, name, value)
        elif name in _STATE:
            setattr(state, name, value)
        else:
            raise TypeError(f"make_state() got an unknown field {name!r}")
    if started_days_ago is not None:
        profile.programme_start = state.today - dt.timedelta(days=started_days_ago)
        profile.phase_started = profile.programme_start
    if "moods" not in _STATE:
        # Until PatientState carries today's ratings, the mood dialog reads them from here.
        state.moods = []  # type: ignore[attr-defined]
    return state


def at_local(day: dt.date, hour: int = 8, minute: int = 30) -> dt.datetime:
    """A UTC instant for a Madrid wall-clock time in November (UTC+1)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC) - dt.timedelta(
        hours=1
    )


def session(
    day: dt.date,
    status: SessionStatus = SessionStatus.DONE,
    minutes: int = 20,
    planned: bool = True,
) -> SessionRecord:
    return SessionRecord(
        day=day,
        status=status,
        planned=planned,
        modality="aerobic",
        minutes=minutes if status is not SessionStatus.SKIPPED else None,
    )


def checkin(day: dt.date, total: int, band: str) -> CheckinRecord:
    at = at_local(day)
    return CheckinRecord(
        instrument_id="phq9",
        instrument_version="1",
        kind=CheckinKind.SCHEDULED,
        started_at=at,
        answers={},
        completed_at=at,
        total=total,
        band=band,
    )


def run(state: PatientState, event: Event) -> Outcome:
    return router.handle(state, event, deps())


def command(state: PatientState, name: str, args: str = "") -> Outcome:
    return run(state, Command(name, args))


def context(state: PatientState) -> DialogContext:
    """For calling an entry point directly."""
    return DialogContext(state=state, outcome=Outcome(), deps=deps())


def last(outcome: Outcome) -> Screen:
    assert outcome.replies, "no reply"
    return outcome.replies[-1]


def keys(outcome: Outcome) -> list[str]:
    return [key for screen in outcome.replies for key in screen.keys]


def params(outcome: Outcome, key: str) -> dict[str, object]:
    for screen in outcome.replies:
        for line in screen.lines:
            if line.key == key:
                return dict(line.params)
    raise AssertionError(f"{key} not shown; shown: {keys(outcome)}")


def press(state: PatientState, value: str, screen: Screen | None = None) -> Outcome:
    """Press the button whose callback ends with `:value` on `screen` (or any current one)."""
    suffix = f":{value}"
    if screen is not None:
        for row in screen.choices:
            for choice in row:
                if choice.data.endswith(suffix):
                    return run(state, Press(choice.data))
        raise AssertionError(f"no button {value!r} on {screen.keys}")
    return run(state, Press(f"c:{state.conversation.seq}:{value}"))


def button_values(screen: Screen) -> list[str]:
    return [choice.data.rsplit(":", 1)[-1] for row in screen.choices for choice in row]


def new_patient() -> PatientState:
    """Someone who has just written for the first time: journey NEW, nothing known."""
    state = make_state(journey=JourneyState.NEW)
    state.profile = Profile()
    state.conversation = Conversation()
    return state
