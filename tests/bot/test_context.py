"""The typed context: handlers get `context.services`; bot_data carries the workers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from telegram import Chat, Message, Update, User
from telegram.ext import ApplicationBuilder, TypeHandler

from bot.clock import ShiftedClock
from bot.config import load_settings
from bot.context import CONTEXT_TYPES, BotData, StrideContext
from bot.emulator import EmulatorServer
from bot.emulator.core import DEFAULT_TOKEN
from bot.services import Services
from bot.storage import Store


async def test_handlers_read_services_from_a_typed_context(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    services = Services.build(
        load_settings({"DATABASE_URL": url}), ShiftedClock(dt.timedelta(0)), Store.from_url(url)
    )
    emulator = await EmulatorServer(limits=False).start()
    application = (
        ApplicationBuilder()
        .token(DEFAULT_TOKEN)
        .base_url(emulator.bot_api_base)
        .context_types(CONTEXT_TYPES)
        .updater(None)
        .build()
    )
    assert isinstance(application.bot_data, BotData)
    application.bot_data.services = services
    seen: list[Services] = []

    async def handler(update: Update, context: StrideContext) -> None:
        assert isinstance(context, StrideContext)
        seen.append(context.services)

    application.add_handler(TypeHandler(Update, handler))
    user = User(1, "Pat", is_bot=False)
    message = Message(1, dt.datetime.now(dt.UTC), Chat(1, "private"), from_user=user, text="hi")
    message.set_bot(application.bot)
    async with application:  # getMe from the local emulator
        await application.process_update(Update(1, message=message))
    await services.store.close()
    await emulator.stop()
    assert seen == [services]


def test_services_are_required_before_use() -> None:
    with pytest.raises(RuntimeError, match="composition root"):
        _ = BotData().services
