"""JSON shapes of the control API (not Bot API objects): what tests and the sandbox UI read.

Why: a test or a browser wants "what did the bot say, with which buttons, was it edited" in one
flat object, plus what Telegram does not expose (the source text before parse_mode, the edit
history, a URL for the photo bytes).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .state import PRIVATE, CallbackRecord, ChatRecord, MessageRecord, Violation, World


def message_view(world: World, msg: MessageRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "chat_id": msg.chat_id,
        "message_id": msg.message_id,
        "date": msg.date,
        "from_id": msg.from_id,
        "by_bot": msg.by_bot,
        "kind": msg.kind,
        "text": msg.text,
        "entities": msg.entities,
        "source_text": msg.source_text,
        "parse_mode": msg.parse_mode,
        "caption": msg.caption,
        "reply_markup": msg.reply_markup,
        "reply_to_message_id": msg.reply_to_message_id,
        "edited": msg.edit_date is not None,
        "edit_date": msg.edit_date,
        "history": msg.history,
        "deleted": msg.deleted,
        "seq": msg.seq,
    }
    if msg.service:
        out["service"] = msg.service
    if msg.contact is not None:
        out["contact"] = msg.contact
    record = world.files.get(msg.file_id) if msg.file_id else None
    if record is not None:
        out[record.kind] = {
            "file_id": record.file_id,
            "size": len(record.data),
            "width": record.width,
            "height": record.height,
            "mime_type": record.mime_type,
            "file_name": record.file_name,
            "url": f"/control/photos/{record.file_id}",
        }
    return out


def chat_view(world: World, chat: ChatRecord) -> dict[str, Any]:
    visible = [m for m in chat.messages.values() if not m.deleted]
    out: dict[str, Any] = {
        "id": chat.id,
        "type": chat.type,
        "title": chat.title,
        "username": chat.username,
        "last_activity": chat.last_activity,
        "message_count": len(visible),
        "bot_status": world.member_status(chat, world.bot.id),
        "members": {str(uid): m.status for uid, m in chat.members.items()},
        "migrated_to": chat.migrated_to,
        "migrated_from": chat.migrated_from,
        "chat_action": chat.chat_action,
        "last_message": message_view(world, visible[-1]) if visible else None,
    }
    if chat.type == PRIVATE and chat.id in world.users:
        user = world.users[chat.id]
        out["first_name"] = user.first_name
        out["username"] = user.username
        out["language_code"] = user.language_code
    return out


def violation_view(violation: Violation) -> dict[str, Any]:
    return asdict(violation)


def callback_view(record: CallbackRecord) -> dict[str, Any]:
    return asdict(record)
