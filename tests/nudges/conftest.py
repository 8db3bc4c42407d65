"""Runner fixtures: the migrated store, a clock the test moves, and a recording fake bot."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest

from bot.config import load_settings
from bot.nudges.runner import NudgeRunner
from bot.pipeline import PatientPipeline
from bot.services import Services
from bot.storage import Store
from bot.storage.nudges import StoredSlot
from content.clinical.risk import RiskScreen
from content.loader import shipped_content
from dialogs.context import DialogDeps
from dialogs.records import CheckinRecord, SessionRecord
from dialogs.state import Outcome, PatientState
from tests.nudges.helpers import PROGRAMME_START

SUPERVISORS = (900, 901)


class MovableClock:
    def __init__(self, now: dt.datetime) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now

    def set(self, now: dt.datetime) -> None:
        self._now = now


@dataclass
class Sent:
    chat_id: int
    kind: str  # "text" or "photo"
    text: str | None
    buttons: list[str]
    rate_limit_args: object
    message_id: int


@dataclass
class FakeBot:
    """Records what the nudge runner sends; can fail a send before or after "Telegram" has it.

    `fail_before` errors are raised instead of sending; `fail_after` errors are raised once the
    message is recorded (as if the process died after Telegram accepted it).
    """

    sent: list[Sent] = field(default_factory=list)
    fail_before: list[BaseException] = field(default_factory=list)
    fail_after: list[BaseException] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send_message(
        self,
        chat_id: int,
        text: str,
        reply_markup: Any = None,
        rate_limit_args: object = None,
        **_: Any,
    ) -> SimpleNamespace:
        buttons = [
            b.callback_data
            for row in (reply_markup.inline_keyboard if reply_markup else ())
            for b in row
        ]
        return self._record(chat_id, "text", text, buttons, rate_limit_args)

    async def send_photo(
        self, chat_id: int, photo: bytes, rate_limit_args: object = None, **_: Any
    ) -> SimpleNamespace:
        assert photo[:8] == b"\x89PNG\r\n\x1a\n"
        return self._record(chat_id, "photo", None, [], rate_limit_args)

    def _record(
        self, chat_id: int, kind: str, text: str | None, buttons: list[str], limit: object
    ) -> SimpleNamespace:
        if self.fail_before:
            raise self.fail_before.pop(0)
        message_id = next(self._ids)
        self.sent.append(Sent(chat_id, kind, text, buttons, limit, message_id))
        if self.fail_after:
            raise self.fail_after.pop(0)
        return SimpleNamespace(message_id=message_id)

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(dt.datetime(2026, 3, 1, tzinfo=dt.UTC))


@pytest.fixture
def services(store: Store, database_url: str, clock: MovableClock) -> Services:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": "123:test",
            "DATABASE_URL": database_url,
            "SUPERVISOR_IDS": ",".join(map(str, SUPERVISORS)),
            "DEFAULT_TIMEZONE": "UTC",
        }
    )
    deps = _deps()
    pipeline = PatientPipeline(store, deps, settings, clock)
    return Services(settings, store, deps.content, deps, pipeline, clock)


@cache
def _deps() -> DialogDeps:
    """Content is read once per test run (Services.build would parse it per test)."""
    content = shipped_content()
    return DialogDeps(content=content, risk=RiskScreen(dict(content.risk)))


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def runner(services: Services) -> NudgeRunner:
    return NudgeRunner(services, per_second=1000.0)


NewPatient = Callable[..., Awaitable[PatientState]]


@pytest.fixture
def onboarded(store: Store, clock: MovableClock) -> NewPatient:
    """An active patient (training Mondays at 09:00 in New York unless told otherwise)."""

    async def create(
        telegram_id: int = 1001,
        timezone: str = "America/New_York",
        records: list[CheckinRecord | SessionRecord] | None = None,
        **changes: Any,
    ) -> PatientState:
        async with store.transaction() as tx:
            state = await tx.create_patient(
                telegram_id=telegram_id,
                chat_id=telegram_id,
                language="en",
                country="US",
                timezone=timezone,
                now=clock.now(),
            )
            state.patient.journey = "active"
            profile = state.profile
            profile.age, profile.resting_hr, profile.beta_blockers = 40, 60, False
            profile.preferred_modalities = ["aerobic"]
            profile.training_days, profile.preferred_time = [0], "09:00"
            profile.programme_start = profile.phase_started = PROGRAMME_START
            for name, value in changes.items():
                target = profile if hasattr(profile, name) else state.patient
                setattr(target, name, value)
            await tx.save(state, Outcome(records=list(records or [])), clock.now())
        return state

    return create


async def slots_of(store: Store, chat_id: int) -> list[StoredSlot]:
    async with store.transaction() as tx:
        return await tx.slots_of(chat_id)


async def update_patient(store: Store, telegram_id: int, now: dt.datetime, **changes: Any) -> None:
    async with store.transaction() as tx:
        state = await tx.load_patient(telegram_id, now)
        assert state is not None
        for name, value in changes.items():
            target = state.profile if hasattr(state.profile, name) else state.patient
            setattr(target, name, value)
        await tx.save(state, Outcome(), now)
