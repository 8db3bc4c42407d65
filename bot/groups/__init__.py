"""Peer-group chats: a shared weekly goal in minutes, a board, cheers — nothing clinical.

- `handlers`: group updates → commands, membership changes, supergroup moves;
- `commands`: /join, /leave, /board, /challenge, /cheer, /help;
- `risk`: risk language written in a group is answered privately, never in the group;
- `posting`: the only way a group is written to (group-safe screens, rate-limited, moves);
- `runner`: weekly kick-off, batched celebrations and the goal, on a JobQueue tick
  (`GroupsWorker`, started by the composition root);
- `menu`: the command menu shown in group chats.

What a group may be told is decided in `dialogs.group`, whose screens alone are group-safe.
"""

from __future__ import annotations

from bot.groups.handlers import install, on_group_message
from bot.groups.runner import GroupsWorker

__all__ = ["GroupsWorker", "install", "on_group_message"]
