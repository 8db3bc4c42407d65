"""A processing slot is held for a row's database work, not while its replies wait for
Telegram: with every slot's handler stuck sending, another person's row (an item-9 press, a
crisis) is still handled and committed at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import handlers
from bot.inbox.dispatcher import Dispatcher
from tests.alerts.conftest import PATIENT
from tests.inbox.conftest import Rig, private_text

OTHER = PATIENT + 1


async def done_rows(rig: Rig) -> int:
    async with rig.services.store.transaction() as tx:
        return (await tx.inbox_counts()).get("done", 0)


async def test_a_handler_waiting_to_send_does_not_hold_its_slot(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await rig.users.create_user(OTHER, "Ada", language_code="en")
    dispatcher = Dispatcher(rig.app, rig.services, slots=1)
    dispatcher.attach(rig.intake)
    telegram_free = asyncio.Event()  # the first patient's replies wait for Telegram
    send_screens = handlers.send_screens

    async def slow_for_patient(bot: Any, chat_id: int, *args: Any, **kwargs: Any) -> Any:
        if chat_id == PATIENT:
            await telegram_free.wait()
        return await send_screens(bot, chat_id, *args, **kwargs)

    monkeypatch.setattr(handlers, "send_screens", slow_for_patient)
    async with asyncio.timeout(30):
        await rig.intake.store_once([private_text(PATIENT, 1, "/help")])
        while await done_rows(rig) < 1:  # noqa: ASYNC110 (committed: now it waits to send)
            await asyncio.sleep(0.02)
        await rig.intake.store_once([private_text(OTHER, 2, "/help")])
        while not await rig.bot_texts(OTHER):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        assert await rig.bot_texts(PATIENT) == []  # still waiting, in its own queue
        telegram_free.set()
        while not await rig.bot_texts(PATIENT) or dispatcher.active_queues:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    assert await done_rows(rig) == 2
