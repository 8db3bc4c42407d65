"""The dispatcher when a dialog fails: a crisis is escalated anyway; anyone else is told
to try again, and the update is kept for inspection."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.clock import ShiftedClock
from bot.emulator import EmulatorClient, EmulatorServer
from bot.inbox.dispatcher import MAX_ATTEMPTS, Dispatcher
from bot.inbox.intake import Intake, bot_id_of
from bot.inbox.serve import make_dispatcher
from bot.services import Services
from bot.storage import Store
from dialogs import router
from tests.alerts.conftest import PATIENT, SUPERVISOR, settings_for


@dataclass
class Rig:
    app: Application  # type: ignore[type-arg]
    services: Services
    users: EmulatorClient
    intake: Intake
    dispatcher: Dispatcher
    clock: ShiftedClock

    async def store(self, update_id: int, text: str) -> None:
        await self.intake.store_once(
            [
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": update_id,
                        "date": 0,
                        "chat": {"id": PATIENT, "type": "private"},
                        "from": {"id": PATIENT, "is_bot": False, "first_name": "Zelda"},
                        "text": text,
                    },
                }
            ]
        )

    async def handle_next(self) -> None:
        async with self.services.store.transaction() as tx:
            (item, *_) = await tx.queue_items(PATIENT, self.clock.now())
        await self.dispatcher._handle(item)

    async def bot_texts(self, chat: int) -> list[str]:
        return [m.get("text", "") for m in await self.users.messages(chat) if m.get("by_bot")]


@pytest.fixture
async def rig(database_url: str, store: Store) -> AsyncIterator[Rig]:
    server = EmulatorServer(limits=False, validate=True)
    await server.start()
    users = EmulatorClient(server.url)
    for user_id in (PATIENT, SUPERVISOR):
        await users.create_user(user_id, "Zelda", language_code="en")
    clock = ShiftedClock()
    settings = settings_for(database_url, api_url=server.bot_api_base)
    services = Services.build(settings, clock, store=store)
    app = build_application(settings, clock, services)
    await app.initialize()
    intake = Intake(store, clock, bot_id_of(app.bot.token), services.deps.risk)
    try:
        yield Rig(app, services, users, intake, make_dispatcher(app, services), clock)
    finally:
        await app.shutdown()
        await users.close()
        await server.stop()


def broken_dialog(*_args: Any) -> Any:
    raise RuntimeError("a bug in a dialog")


async def test_a_flagged_message_is_escalated_even_when_its_dialog_fails(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "handle", broken_dialog)
    await rig.store(1, "I can't go on, I want to end my life")
    await rig.handle_next()
    async with rig.services.store.transaction() as tx:
        [escalation] = await tx.open_escalations()
        counts = await tx.inbox_counts()
    assert escalation.trigger.value == "risk_language"
    assert counts == {"failed": 1}  # kept for inspection, not retried into a second alert
    assert any("988" in text for text in await rig.bot_texts(PATIENT))


async def test_another_failing_update_is_retried_then_kept_and_the_patient_told(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "handle", broken_dialog)
    await rig.store(1, "hello")
    for _ in range(MAX_ATTEMPTS):
        await rig.handle_next()
        rig.clock.advance(dt.timedelta(minutes=1))  # past the backoff
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"failed": 1}
        assert await tx.open_escalations() == []
    assert await rig.bot_texts(PATIENT) == [
        "Sorry, something went wrong on my side. Please try that again."
    ]


async def test_a_later_message_waits_behind_one_being_retried(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router, "handle", broken_dialog)
    await rig.store(1, "first")
    await rig.store(2, "second")
    await rig.handle_next()  # fails once: back off
    async with rig.services.store.transaction() as tx:
        assert await tx.queue_items(PATIENT, rig.clock.now()) == []
    monkeypatch.undo()  # the bug is fixed (say, a restart with a new version)
    rig.clock.advance(dt.timedelta(minutes=1))
    await rig.handle_next()
    await rig.handle_next()
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 2}
