"""Bot API JSON objects built from the world's records.

Why: every object the bot receives must carry the fields the spec marks required, or PTB's
`de_json` fails in a way the real Telegram never causes. Building them in one place keeps the
shapes consistent between method results, updates and the webhook; the tests check them against
the spec.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .state import (
    PRIVATE,
    ChatRecord,
    FileRecord,
    MessageRecord,
    UserRecord,
    World,
)

_ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_pin_messages": True,
}
_RESTRICTED_RIGHTS = {
    "is_member": True,
    "can_send_messages": False,
    "can_send_audios": False,
    "can_send_documents": False,
    "can_send_photos": False,
    "can_send_videos": False,
    "can_send_video_notes": False,
    "can_send_voice_notes": False,
    "can_send_polls": False,
    "can_send_other_messages": False,
    "can_add_web_page_previews": False,
    "can_react_to_messages": False,
    "can_edit_tag": False,
    "can_change_info": False,
    "can_invite_users": False,
    "can_pin_messages": False,
    "can_manage_topics": False,
}


def user_dict(user: UserRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"id": user.id, "is_bot": user.is_bot, "first_name": user.first_name}
    if user.last_name:
        out["last_name"] = user.last_name
    if user.username:
        out["username"] = user.username
    if user.language_code:
        out["language_code"] = user.language_code
    return out


def me_dict(world: World) -> dict[str, Any]:
    """getMe: the bot's User with the bot-only capability flags."""
    return {
        **user_dict(world.bot),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def known_user(world: World, user_id: int) -> UserRecord:
    """The user record, or a placeholder so an object never lacks its required `from`."""
    return world.users.get(user_id) or UserRecord(id=user_id, first_name=f"User{user_id}")


def chat_dict(world: World, chat: ChatRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"id": chat.id, "type": chat.type}
    if chat.type == PRIVATE:
        user = known_user(world, chat.id)
        out["first_name"] = user.first_name
        if user.last_name:
            out["last_name"] = user.last_name
        if user.username:
            out["username"] = user.username
    else:
        out["title"] = chat.title or ""
        if chat.username:
            out["username"] = chat.username
    return out


def chat_full_info(world: World, chat: ChatRecord) -> dict[str, Any]:
    """getChat's ChatFullInfo: Chat plus the fields the spec requires of the full info."""
    out = chat_dict(world, chat)
    out.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    return out


def photo_sizes(record: FileRecord) -> list[dict[str, Any]]:
    return [
        {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "width": record.width or 1,
            "height": record.height or 1,
            "file_size": len(record.data),
        }
    ]


def file_object(record: FileRecord) -> dict[str, Any]:
    """The media object of a non-photo message (Document, Sticker, Voice)."""
    base: dict[str, Any] = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
    }
    if record.kind == "sticker":
        base.update(
            {
                "type": "regular",
                "width": record.width or 512,
                "height": record.height or 512,
                "is_animated": False,
                "is_video": False,
                "emoji": record.file_name or "👍",
            }
        )
    elif record.kind == "voice":
        base.update({"duration": record.duration or 1, "mime_type": record.mime_type})
    else:
        base["mime_type"] = record.mime_type
        if record.file_name:
            base["file_name"] = record.file_name
    return base


def message_dict(world: World, msg: MessageRecord, *, with_reply: bool = True) -> dict[str, Any]:
    chat = world.chats.get(msg.chat_id) or ChatRecord(id=msg.chat_id, type=PRIVATE)
    out: dict[str, Any] = {
        "message_id": msg.message_id,
        "date": msg.date,
        "chat": chat_dict(world, chat),
    }
    if msg.from_id is not None:
        out["from"] = user_dict(known_user(world, msg.from_id))
    if msg.sender_chat_id is not None and msg.sender_chat_id in world.chats:
        out["sender_chat"] = chat_dict(world, world.chats[msg.sender_chat_id])
    if msg.text is not None:
        out["text"] = msg.text
        if msg.entities:
            out["entities"] = msg.entities
    record = world.files.get(msg.file_id) if msg.file_id else None
    if record is not None:
        if record.kind == "photo":
            out["photo"] = photo_sizes(record)
        else:
            out[record.kind] = file_object(record)
    if msg.caption is not None:
        out["caption"] = msg.caption
        if msg.caption_entities:
            out["caption_entities"] = msg.caption_entities
    if msg.contact is not None:
        out["contact"] = msg.contact
    out.update(msg.service)
    if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
        out["reply_markup"] = {"inline_keyboard": msg.reply_markup["inline_keyboard"]}
    if msg.edit_date is not None:
        out["edit_date"] = msg.edit_date
    if with_reply and msg.reply_to_message_id is not None:
        replied = chat.messages.get(msg.reply_to_message_id)
        if replied is not None and not replied.deleted:
            out["reply_to_message"] = message_dict(world, replied, with_reply=False)
    return out


def inaccessible_message(world: World, chat: ChatRecord, message_id: int) -> dict[str, Any]:
    """What a callback query carries when its message was deleted (date 0)."""
    return {"chat": chat_dict(world, chat), "message_id": message_id, "date": 0}


def member_dict(world: World, chat: ChatRecord, user_id: int) -> dict[str, Any]:
    """The ChatMember variant matching the user's status in the chat."""
    member = chat.members.get(user_id)
    status = member.status if member else "left"
    return member_status_dict(world, user_id, status, member.until_date if member else 0)


def member_status_dict(
    world: World, user_id: int, status: str, until_date: int = 0
) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "user": user_dict(known_user(world, user_id))}
    if status == "creator":
        out["is_anonymous"] = False
    elif status == "administrator":
        out.update(_ADMIN_RIGHTS)
    elif status == "restricted":
        out.update(_RESTRICTED_RIGHTS)
        out["until_date"] = until_date
    elif status == "kicked":
        out["until_date"] = until_date
    return out


def chat_member_updated(
    world: World,
    chat: ChatRecord,
    *,
    actor_id: int,
    user_id: int,
    old_status: str,
    new_status: str,
) -> dict[str, Any]:
    return {
        "chat": chat_dict(world, chat),
        "from": user_dict(known_user(world, actor_id)),
        "date": world.now(),
        "old_chat_member": member_status_dict(world, user_id, old_status),
        "new_chat_member": member_status_dict(world, user_id, new_status),
    }


def chat_instance(chat_id: int) -> str:
    """A stable opaque id per chat, as Telegram gives in CallbackQuery.chat_instance."""
    digest = hashlib.sha256(str(chat_id).encode()).hexdigest()
    return str(int(digest[:15], 16))


def webhook_info(world: World) -> dict[str, Any]:
    hook = world.webhook
    out: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if hook.url:
        out["max_connections"] = hook.max_connections
        out["ip_address"] = "127.0.0.1"
        if hook.allowed_updates is not None:
            out["allowed_updates"] = hook.allowed_updates
    if hook.last_error_date is not None:
        out["last_error_date"] = hook.last_error_date
        out["last_error_message"] = hook.last_error_message or ""
    return out
