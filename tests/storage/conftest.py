"""Storage test helpers: a fixed clock and a way to register patients quickly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from bot.storage import Store
from bot.storage.repository import Transaction
from dialogs.state import PatientState

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)

NewPatient = Callable[..., Awaitable[PatientState]]


async def create_londoner(tx: Transaction, telegram_id: int) -> PatientState:
    """Register a patient inside the caller's transaction (tests that hold it open)."""
    return await tx.create_patient(
        telegram_id=telegram_id,
        chat_id=telegram_id,
        language="en",
        country="GB",
        timezone="Europe/London",
        now=NOW,
    )


@pytest.fixture
def new_patient(store: Store) -> NewPatient:
    """Register a patient in its own committed transaction and return its state."""

    async def create(telegram_id: int = 1001, timezone: str = "Europe/Madrid") -> PatientState:
        async with store.transaction() as tx:
            return await tx.create_patient(
                telegram_id=telegram_id,
                chat_id=telegram_id,
                language="es",
                country="ES",
                timezone=timezone,
                now=NOW,
            )

    return create
