"""Sends group screens: through the group-safe renderer, the rate limiter, and moves.

- Every screen goes through `bot.render.render(..., group=True)`, which refuses any screen not
  marked group-safe (`ClinicalLeakError`): nothing else in Stride writes to a group.
- Sends use the bot's normal priority, so PTB's AIORateLimiter keeps each group within 20
  messages a minute; group sends never pass the safety retries that skip per-chat waits.
- A group that became a supergroup answers with `ChatMigrated`: the group's row follows the
  new id and the message is sent there. A group that removed the bot answers 403: the group
  is marked inactive and nothing more is sent to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import Message, ReplyParameters
from telegram.error import ChatMigrated, Forbidden
from telegram.ext import ExtBot

from bot.render import render
from bot.services import Services
from dialogs.screens import Screen

log = logging.getLogger(__name__)


async def post(
    bot: ExtBot[Any],
    services: Services,
    chat_id: int,
    screens: Sequence[Screen],
    language: str,
    *,
    reply_to: int | None = None,
) -> list[Message]:
    """Send `screens` to the group `chat_id`; the messages that were sent."""
    texts = services.content.texts
    sent: list[Message] = []
    for screen in screens:
        rendered = render(screen, texts, language, group=True)
        for part in rendered.parts:
            reply = (
                ReplyParameters(reply_to, allow_sending_without_reply=True)
                if reply_to is not None
                else None
            )
            try:
                sent.append(
                    await bot.send_message(
                        chat_id, part, reply_markup=rendered.keyboard, reply_parameters=reply
                    )
                )
            except ChatMigrated as moved:
                await move(services, chat_id, moved.new_chat_id)
                chat_id, reply_to = moved.new_chat_id, None  # the replied message stayed behind
                sent.append(await bot.send_message(chat_id, part, reply_markup=rendered.keyboard))
            except Forbidden as error:
                log.info("group %s refused a message (%s): marked inactive", chat_id, error)
                await deactivate(services, chat_id)
                return sent
    return sent


async def move(services: Services, old_chat_id: int, new_chat_id: int) -> None:
    async with services.store.transaction() as tx:
        await tx.move_group(old_chat_id, new_chat_id)
    log.info("group %s is now supergroup %s", old_chat_id, new_chat_id)


async def deactivate(services: Services, chat_id: int) -> None:
    async with services.store.transaction() as tx:
        await tx.deactivate_group(chat_id)
