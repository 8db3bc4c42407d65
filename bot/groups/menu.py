"""The command menu Telegram shows in group chats, in every shipped language.

Private chats get the patient menu (`bot.app.register_commands`); groups get only the group
commands, so nobody is nudged to start a check-in in front of their group.
"""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeAllGroupChats
from telegram.ext import Application

from bot.services import Services
from dialogs.group import MENU_COMMANDS


async def register(application: Application, services: Services) -> None:
    texts = services.content.texts
    for language in texts.languages:
        commands = [
            BotCommand(name, texts.get(language, f"group.menu.{name}")[:256])
            for name in MENU_COMMANDS
        ]
        code = None if language == services.settings.default_language else language
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeAllGroupChats(), language_code=code
        )
