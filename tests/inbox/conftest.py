"""The dispatcher rig: the real Application on the emulator, fed through the inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.clock import ShiftedClock
from bot.emulator import EmulatorClient, EmulatorServer
from bot.inbox.dispatcher import Dispatcher
from bot.inbox.intake import Intake, bot_id_of
from bot.inbox.serve import make_dispatcher
from bot.services import Services
from bot.storage import Store
from tests.alerts.conftest import PATIENT, SUPERVISOR, settings_for


def private_text(user_id: int, update_id: int, text: str) -> dict[str, Any]:
    """A raw update: `text` written in the user's private chat (message id = update id)."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Zelda"},
            "text": text,
        },
    }


@dataclass
class Rig:
    app: Application  # type: ignore[type-arg]
    services: Services
    users: EmulatorClient
    intake: Intake
    dispatcher: Dispatcher
    clock: ShiftedClock

    async def store(self, update_id: int, text: str, user_id: int = PATIENT) -> None:
        await self.intake.store_once([private_text(user_id, update_id, text)])

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
