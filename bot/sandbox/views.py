"""What the page reads: emulator messages with sender names, and the command menu per chat.

Pure functions, so the shapes the page relies on are tested without a server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BOT_NAME = "Stride"
PHOTO_ROUTE = "/api/photos/"
MESSAGE_EVENTS = frozenset({"bot_message", "bot_edit", "user_message", "user_edit"})
MEDIA_KINDS = ("photo", "document", "sticker", "voice")


def page_message(
    message: dict[str, Any], names: Mapping[int, str], bot_name: str
) -> dict[str, Any]:
    """A control-API message view for the page: who sent it, and same-origin media URLs."""
    out = dict(message)
    sender = out.get("from_id")
    out["from_name"] = bot_name if out.get("by_bot") else names.get(sender or 0, str(sender))
    for kind in MEDIA_KINDS:
        media = out.get(kind)
        if isinstance(media, dict) and media.get("file_id"):
            out[kind] = {**media, "url": PHOTO_ROUTE + str(media["file_id"])}
    return out


def _scope_rank(scope: Mapping[str, Any], chat_id: int, private: bool) -> int | None:
    """Telegram's order of command scopes for a chat: the lower, the more specific."""
    kind = scope.get("type")
    if kind == "chat":
        return 0 if scope.get("chat_id") in (chat_id, str(chat_id)) else None
    if kind == "all_private_chats":
        return 1 if private else None
    if kind == "all_group_chats":
        return None if private else 1
    if kind == "default":
        return 2
    return None


def commands_for(
    entries: Iterable[Mapping[str, Any]], chat_id: int, language: str | None, *, private: bool
) -> list[dict[str, str]]:
    """The menu Telegram shows in a chat: the most specific scope, the user's language first."""
    best: tuple[int, int] | None = None
    chosen: list[dict[str, str]] = []
    for entry in entries:
        rank = _scope_rank(entry.get("scope") or {}, chat_id, private)
        code = entry.get("language_code") or ""
        if rank is None or code not in ("", language or ""):
            continue
        key = (rank, 0 if code else 1)
        if entry.get("commands") and (best is None or key < best):
            best, chosen = key, [dict(c) for c in entry["commands"]]
    return chosen
