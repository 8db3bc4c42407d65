"""Peer-group chats: a shared weekly goal in minutes, a board, cheers — nothing clinical.

- `handlers`: group updates → commands, membership changes, supergroup moves;
- `commands`: /join, /leave, /board, /challenge, /cheer, /help;
- `risk`: risk language written in a group is answered privately, never in the group;
- `posting`: the only way a group is written to (group-safe screens, rate-limited, moves);
- `runner`: weekly kick-off, batched celebrations and the goal, on a JobQueue tick;
- `menu`: the command menu shown in group chats.

What a group may be told is decided in `dialogs.group`, whose screens alone are group-safe.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.groups import menu, runner
from bot.groups.handlers import install, on_group_message
from bot.services import Services

__all__ = ["install", "on_group_message", "start"]


async def start(application: Application, services: Services) -> None:
    """From `post_init`: the group command menu, then the runner."""
    await menu.register(application, services)
    await runner.start(application, services)
