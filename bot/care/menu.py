"""The supervisor's command menu: `setMyCommands` scoped to each supervisor's own chat, in
their language, from the same table as their help (`bot.care.commands`). Patients keep the
patient menu (scope: all private chats); a chat scope wins over it for that chat."""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.care.commands import build_table
from bot.services import Services

log = logging.getLogger(__name__)


def menu_for(services: Services, language: str) -> list[BotCommand]:
    texts = services.content.texts
    return [
        BotCommand(c.name, texts.get(language, c.menu_key)[:256])
        for c in build_table()
        if c.in_menu
    ]


async def register_one(bot: ExtBot[Any], services: Services, user_id: int, language: str) -> bool:
    """Set one supervisor's menu; False (logged) when Telegram refuses, e.g. before they
    ever started the bot — the menu is set again at the next start or /language."""
    try:
        await bot.set_my_commands(
            menu_for(services, language), scope=BotCommandScopeChat(chat_id=user_id)
        )
    except TelegramError as error:
        log.warning("could not set the supervisor menu for %s: %s", user_id, error)
        return False
    return True


async def register(bot: ExtBot[Any], services: Services) -> None:
    """Every configured supervisor's menu, in the language they chose (else the default)."""
    for user_id in services.settings.all_supervisor_ids:
        async with services.store.transaction() as tx:
            prefs = await tx.supervisor_prefs(user_id)
        language = prefs.language if prefs else services.settings.default_language
        await register_one(bot, services, user_id, language)
