"""One user's updates run strictly in order; different users run at the same time."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Chat, Message, Update, User

from bot.update_processor import PerUserUpdateProcessor


def update_from(user_id: int, update_id: int) -> Update:
    user = User(user_id, "P", is_bot=False)
    chat = Chat(user_id, Chat.PRIVATE)
    message = Message(update_id, dt.datetime.now(dt.UTC), chat, from_user=user, text="hi")
    return Update(update_id, message=message)


async def test_same_user_is_sequential_and_other_users_concurrent() -> None:
    processor = PerUserUpdateProcessor(max_concurrent_updates=8)
    log: list[str] = []
    started = asyncio.Event()

    async def slow(name: str) -> None:
        log.append(f"start {name}")
        started.set()
        await asyncio.sleep(0.05)
        log.append(f"end {name}")

    async with processor:
        await asyncio.gather(
            processor.process_update(update_from(1, 1), slow("a1")),
            processor.process_update(update_from(1, 2), slow("a2")),
            processor.process_update(update_from(2, 3), slow("b1")),
        )
    # a1 finishes before a2 starts; b1 starts while a1 is still running.
    assert log.index("end a1") < log.index("start a2")
    assert log.index("start b1") < log.index("end a1")
