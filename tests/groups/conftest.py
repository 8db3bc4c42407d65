"""Group test helpers: members and groups in memory, patients and groups in a real store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.storage import Store
from content.loader import shipped_content
from dialogs.group import Group, Member
from dialogs.records import ConsentRecord
from dialogs.state import Outcome

# Monday 30 November 2026, 08:00 UTC = 09:00 in Madrid (UTC+1).
MONDAY_9_MADRID = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)
MADRID = "Europe/Madrid"


def make_group(**overrides: Any) -> Group:
    values: dict[str, Any] = {
        "id": 1,
        "chat_id": -100,
        "title": "Walkers",
        "language": "en",
        "timezone": MADRID,
        "goal_minutes": None,
        "active": True,
        "created_at": MONDAY_9_MADRID - dt.timedelta(days=3),
    }
    values.update(overrides)
    return Group(**values)


def member(
    patient_id: int,
    name: str | None = None,
    *,
    share: bool = False,
    cheer: bool = False,
    minutes: int = 0,
    phase: int = 1,
) -> Member:
    return Member(
        patient_id=patient_id,
        display_name=name,
        share_name=share,
        celebrate=cheer,
        phase_id=phase,
        minutes=minutes,
    )


NewPatient = Callable[..., Awaitable[int]]


@pytest.fixture
def new_patient(store: Store) -> NewPatient:
    """A patient who said yes to the terms (journey `active`); returns the patient id."""

    async def create(
        telegram_id: int,
        *,
        share: bool = False,
        cheer: bool = False,
        phase: int = 1,
        journey: str = "active",
    ) -> int:
        now = MONDAY_9_MADRID
        async with store.transaction() as tx:
            state = await tx.create_patient(
                telegram_id=telegram_id,
                chat_id=telegram_id,
                language="en",
                country="ES",
                timezone=MADRID,
                now=now,
            )
            state.patient.journey = journey
            state.profile.share_name_in_groups = share
            state.profile.celebrate_in_groups = cheer
            state.profile.phase_id = phase
            if journey == "active":  # onboarded: enough for /log and /today
                profile = state.profile
                profile.age, profile.resting_hr, profile.beta_blockers = 40, 60, False
                profile.preferred_modalities, profile.training_days = ["aerobic"], [0, 2, 4]
                profile.programme_start = profile.phase_started = now.date()
            outcome = Outcome()
            if journey == "active":  # they agreed to the current consent: nothing to re-ask
                consent = shipped_content().consent
                outcome.store(ConsentRecord(consent.id, consent.current.version, now))
            await tx.save(state, outcome, now)
            return state.patient.id

    return create
