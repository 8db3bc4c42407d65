"""What users (and Telegram itself) do: send and edit messages, press buttons, join, leave,
block the bot, upgrade a group. Each action changes the world and queues the update the bot
would receive.

Why: tests and the sandbox play the patients and the care team; these are the events a real
Telegram would turn into updates, with the same shapes and ordering, so the bot cannot tell the
difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import objects
from .core import Emulator
from .formatting import command_entities
from .media import image_size, mime_for, solid_png
from .state import (
    CHANNEL,
    GROUP,
    PRESENT_STATUSES,
    PRIVATE,
    SUPERGROUP,
    CallbackRecord,
    ChatRecord,
    MemberRecord,
    MessageRecord,
    World,
)
from .views import message_view

MESSAGE_KINDS = ("text", "photo", "sticker", "voice", "document", "contact")


class ActionError(ValueError):
    """The requested action is impossible in the current world (answered as HTTP 4xx)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Outcome:
    """What an action produced: the affected message and the queued update (if delivered)."""

    chat_id: int
    message_id: int | None
    update_id: int | None
    extra: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "update_id": self.update_id,
            **self.extra,
        }


def _chat(world: World, chat_id: int) -> ChatRecord:
    chat = world.chats.get(chat_id)
    if chat is None:
        raise ActionError(f"unknown chat {chat_id}", 404)
    return chat


def _user(world: World, user_id: int) -> None:
    if user_id not in world.users:
        raise ActionError(f"unknown user {user_id}: create it with POST /control/users", 404)


def bot_sees(emu: Emulator, chat: ChatRecord, msg: MessageRecord) -> bool:
    """Whether the bot receives a group message (privacy mode hides ordinary chatter)."""
    world = emu.world
    if chat.type not in (GROUP, SUPERGROUP) or not emu.options.privacy_mode:
        return True
    if world.member_status(chat, world.bot.id) in ("creator", "administrator"):
        return True
    if msg.service or msg.text is None:
        return bool(msg.service)
    if any(e["type"] == "bot_command" for e in msg.entities):
        return True
    if f"@{world.bot.username}".lower() in msg.text.lower():
        return True
    replied = chat.messages.get(msg.reply_to_message_id or -1)
    return replied is not None and replied.by_bot


def _deliver(emu: Emulator, chat: ChatRecord, msg: MessageRecord, edited: bool) -> int | None:
    world = emu.world
    if world.member_status(chat, world.bot.id) not in PRESENT_STATUSES:
        return None
    if not bot_sees(emu, chat, msg):
        return None
    kind = "channel_post" if chat.type == CHANNEL else "message"
    if edited:
        kind = f"edited_{kind}"
    return world.push_update(kind, objects.message_dict(world, msg))


def _unblock_if_needed(emu: Emulator, chat: ChatRecord, user_id: int) -> None:
    """A user who blocked the bot and writes again has restarted it (my_chat_member first)."""
    world = emu.world
    if chat.type == PRIVATE and world.member_status(chat, world.bot.id) == "kicked":
        set_bot_status(emu, chat, "member", actor_id=user_id)


def _media(world: World, kind: str, data: bytes | None, emoji: str | None) -> str:
    if kind == "photo":
        payload = data or solid_png()
        width, height = image_size(payload) or (64, 64)
        record = world.add_file(
            kind="photo",
            data=payload,
            mime_type=mime_for(payload, "image/png"),
            width=width,
            height=height,
            source="user",
        )
    elif kind == "sticker":
        record = world.add_file(
            kind="sticker",
            data=data or solid_png(128, 128),
            mime_type="image/webp",
            file_name=emoji or "👍",
            width=512,
            height=512,
            source="user",
        )
    elif kind == "voice":
        record = world.add_file(
            kind="voice",
            data=data or b"OggS\x00emulated-voice",
            mime_type="audio/ogg",
            duration=3,
            source="user",
        )
    else:
        record = world.add_file(
            kind="document",
            data=data or b"emulated document\n",
            mime_type=mime_for(data or b"", "text/plain"),
            file_name="document.txt",
            source="user",
        )
    return record.file_id


def user_message(
    emu: Emulator,
    *,
    from_id: int,
    text: str | None = None,
    chat_id: int | None = None,
    kind: str = "text",
    caption: str | None = None,
    reply_to_message_id: int | None = None,
    data: bytes | None = None,
    emoji: str | None = None,
    contact: dict[str, Any] | None = None,
) -> Outcome:
    """A user (or another bot, or a channel admin) posts a new message.

    `kind="contact"` shares a contact card (`contact`: phone_number, first_name, optional
    last_name and user_id), as Telegram sends it for a `request_contact` button or a contact
    forwarded from the address book."""
    world = emu.world
    _user(world, from_id)
    if kind not in MESSAGE_KINDS:
        raise ActionError(f"kind must be one of {', '.join(MESSAGE_KINDS)}")
    if kind == "text" and not text:
        raise ActionError("a text message needs a non-empty text")
    if kind == "contact":
        contact = _contact_object(contact)
    chat = _chat(world, from_id if chat_id is None else chat_id)
    if chat.migrated_to is not None:
        raise ActionError(f"chat {chat.id} was migrated to {chat.migrated_to}")
    if chat.type != PRIVATE and world.member_status(chat, from_id) not in PRESENT_STATUSES:
        raise ActionError(f"user {from_id} is not a member of chat {chat.id}")
    if reply_to_message_id is not None and reply_to_message_id not in chat.messages:
        raise ActionError(f"no message {reply_to_message_id} in chat {chat.id}", 404)
    _unblock_if_needed(emu, chat, from_id)
    fields: dict[str, Any] = {"kind": kind, "reply_to_message_id": reply_to_message_id}
    if kind == "text":
        fields.update(text=text, entities=command_entities(text or ""), source_text=text)
    elif kind == "contact":
        fields["contact"] = contact
    else:
        fields["file_id"] = _media(world, kind, data, emoji)
        if caption and kind in ("photo", "voice", "document"):
            fields.update(caption=caption, caption_entities=command_entities(caption))
    if chat.type == CHANNEL:
        fields.update(from_id=None, sender_chat_id=chat.id)
    else:
        fields["from_id"] = from_id
    msg = world.add_message(chat, by_bot=False, **fields)
    world.emit("user_message", message_view(world, msg))
    update_id = _deliver(emu, chat, msg, edited=False)
    return Outcome(chat.id, msg.message_id, update_id, {"message": message_view(world, msg)})


def _contact_object(contact: dict[str, Any] | None) -> dict[str, Any]:
    """A Contact object as the spec defines it: phone_number and first_name required."""
    if not contact or not contact.get("phone_number") or not contact.get("first_name"):
        raise ActionError("a contact needs phone_number and first_name")
    out: dict[str, Any] = {
        "phone_number": str(contact["phone_number"]),
        "first_name": str(contact["first_name"]),
    }
    if contact.get("last_name"):
        out["last_name"] = str(contact["last_name"])
    if contact.get("user_id") is not None:
        out["user_id"] = int(contact["user_id"])
    return out


def own_phone(user_id: int) -> str:
    """The phone number a simulated user's account has (Telegram sends it without '+')."""
    return f"4477009{abs(user_id) % 100_000:05d}"


def current_reply_keyboard(chat: ChatRecord) -> list[list[Any]] | None:
    """The reply keyboard the user sees: the bot's latest `keyboard` markup, unless a later
    message removed it (`remove_keyboard`)."""
    for msg in sorted(chat.messages.values(), key=lambda m: m.message_id, reverse=True):
        markup = msg.reply_markup if msg.by_bot and not msg.deleted else None
        if not markup:
            continue
        if markup.get("remove_keyboard"):
            return None
        rows = markup.get("keyboard")
        if isinstance(rows, list):
            return rows
    return None


def press_reply_button(
    emu: Emulator, *, from_id: int, text: str, chat_id: int | None = None
) -> Outcome:
    """A user taps a reply-keyboard button: its text is sent as a message, or, for a
    `request_contact` button, the user's own contact card (as Telegram does)."""
    world = emu.world
    _user(world, from_id)
    chat = _chat(world, from_id if chat_id is None else chat_id)
    rows = current_reply_keyboard(chat) or []
    for row in rows:
        for button in row if isinstance(row, list) else []:
            label = button.get("text") if isinstance(button, dict) else button
            if label != text:
                continue
            if isinstance(button, dict) and button.get("request_contact"):
                if chat.type != PRIVATE:
                    raise ActionError("request_contact buttons work only in private chats")
                user = world.users[from_id]
                card = {
                    "phone_number": own_phone(from_id),
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "user_id": from_id,
                }
                return user_message(
                    emu, from_id=from_id, chat_id=chat.id, kind="contact", contact=card
                )
            return user_message(emu, from_id=from_id, chat_id=chat.id, text=text)
    raise ActionError(f"no reply keyboard button {text!r} in chat {chat.id}", 404)


def user_edit(
    emu: Emulator, *, chat_id: int, message_id: int, text: str, from_id: int | None = None
) -> Outcome:
    """A user edits an earlier message: the bot gets edited_message (or edited_channel_post)."""
    world = emu.world
    chat = _chat(world, chat_id)
    msg = chat.messages.get(message_id)
    if msg is None or msg.deleted:
        raise ActionError(f"no message {message_id} in chat {chat_id}", 404)
    if msg.by_bot:
        raise ActionError("users cannot edit the bot's messages")
    if from_id is not None and msg.from_id not in (None, from_id):
        raise ActionError(f"message {message_id} was not sent by user {from_id}")
    msg.history.append(world.snapshot(msg))
    if msg.text is not None:
        msg.text, msg.entities, msg.source_text = text, command_entities(text), text
    else:
        msg.caption, msg.caption_entities = text, command_entities(text)
    msg.edit_date = world.now()
    msg.seq = world.touch()
    world.emit("user_edit", message_view(world, msg))
    update_id = _deliver(emu, chat, msg, edited=True)
    return Outcome(chat.id, msg.message_id, update_id, {"message": message_view(world, msg)})


def _buttons(msg: MessageRecord) -> list[dict[str, Any]]:
    rows = (msg.reply_markup or {}).get("inline_keyboard") or []
    return [b for row in rows if isinstance(row, list) for b in row if isinstance(b, dict)]


def press_button(
    emu: Emulator,
    *,
    chat_id: int,
    message_id: int,
    from_id: int | None = None,
    text: str | None = None,
    data: str | None = None,
) -> Outcome:
    """A user presses an inline button; `data` not on the message is sent anyway (forged)."""
    world = emu.world
    chat = _chat(world, chat_id)
    user_id = from_id if from_id is not None else (chat.id if chat.type == PRIVATE else None)
    if user_id is None:
        raise ActionError("from_id is required for a button in a group")
    _user(world, user_id)
    if text is None and data is None:
        raise ActionError("give the button's text or its callback data")
    msg = chat.messages.get(message_id)
    button: dict[str, Any] | None = None
    if msg is not None:
        for candidate in _buttons(msg):
            if (text is not None and candidate.get("text") == text) or (
                text is None and candidate.get("callback_data") == data
            ):
                button = candidate
                break
    if button is None and data is None:
        raise ActionError(f"no inline button {text!r} on message {message_id}", 404)
    if button is not None and data is None:
        if button.get("callback_data") is None:
            raise ActionError(f"button {text!r} sends no callback query (it is not a data button)")
        data = str(button["callback_data"])
    forged = button is None or button.get("callback_data") != data
    if msg is not None and not msg.deleted:
        message_obj = objects.message_dict(world, msg)
    else:
        message_obj = objects.inaccessible_message(world, chat, message_id)
    record = CallbackRecord(
        id=world.new_callback_id(),
        chat_id=chat.id,
        message_id=message_id,
        from_id=user_id,
        data=data,
        forged=forged,
    )
    world.callbacks[record.id] = record
    query = {
        "id": record.id,
        "from": objects.user_dict(objects.known_user(world, user_id)),
        "message": message_obj,
        "chat_instance": objects.chat_instance(chat.id),
        "data": data,
    }
    world.emit(
        "callback_query",
        {
            "callback_query_id": record.id,
            "chat_id": chat.id,
            "message_id": message_id,
            "data": data,
            "forged": forged,
            "from_id": user_id,
        },
    )
    update_id = world.push_update("callback_query", query)
    return Outcome(
        chat.id, message_id, update_id, {"callback_query_id": record.id, "forged": forged}
    )


def set_bot_status(emu: Emulator, chat: ChatRecord, status: str, *, actor_id: int) -> int | None:
    """Change the bot's membership and send my_chat_member, as Telegram does."""
    world = emu.world
    old = world.member_status(chat, world.bot.id)
    if old == status:
        return None
    chat.members[world.bot.id] = MemberRecord(world.bot.id, status)
    world.emit("bot_status", {"chat_id": chat.id, "old": old, "new": status})
    return world.push_update(
        "my_chat_member",
        objects.chat_member_updated(
            world,
            chat,
            actor_id=actor_id,
            user_id=world.bot.id,
            old_status=old,
            new_status=status,
        ),
    )


_BOT_ACTIONS = {
    "join": "member",
    "add": "member",
    "promote": "administrator",
    "demote": "member",
    "leave": "left",
    "remove": "left",
    "kick": "kicked",
    "ban": "kicked",
    "block": "kicked",
    "unblock": "member",
}


def chat_member_event(
    emu: Emulator,
    *,
    chat_id: int,
    user_id: int,
    action: str,
    by_id: int | None = None,
) -> Outcome:
    """Someone joins, leaves, is removed or promoted; or a user blocks/unblocks the bot.

    For the bot itself the bot gets my_chat_member (and, when added to a group, the service
    message with new_chat_members). For users the group gets a service message
    (new_chat_members / left_chat_member) and, if allowed_updates asks, a chat_member update.
    """
    world = emu.world
    chat = _chat(world, chat_id)
    if action not in _BOT_ACTIONS:
        raise ActionError(f"action must be one of {', '.join(_BOT_ACTIONS)}")
    new_status = _BOT_ACTIONS[action]
    if action in ("block", "unblock"):
        if chat.type != PRIVATE:
            raise ActionError("block/unblock applies to a private chat (chat_id = the user's id)")
        update_id = set_bot_status(emu, chat, new_status, actor_id=chat.id)
        return Outcome(chat.id, None, update_id, {"status": new_status})
    if chat.type == PRIVATE:
        raise ActionError("membership changes need a group, supergroup or channel")
    _user(world, user_id)
    actor = by_id if by_id is not None else user_id
    _user(world, actor)
    if user_id == world.bot.id:
        was_present = world.member_status(chat, user_id) in PRESENT_STATUSES
        update_id = set_bot_status(emu, chat, new_status, actor_id=actor)
        message_id = None
        if new_status == "member" and not was_present and chat.type != CHANNEL:
            msg = _service(emu, chat, actor, {"new_chat_members": [objects.user_dict(world.bot)]})
            message_id = msg.message_id
        return Outcome(chat.id, message_id, update_id, {"status": new_status})
    old = world.member_status(chat, user_id)
    chat.members[user_id] = MemberRecord(user_id, new_status)
    world.emit("member", {"chat_id": chat.id, "user_id": user_id, "old": old, "new": new_status})
    update_id = world.push_update(
        "chat_member",
        objects.chat_member_updated(
            world, chat, actor_id=actor, user_id=user_id, old_status=old, new_status=new_status
        ),
    )
    message_id = None
    if chat.type != CHANNEL:
        user = objects.user_dict(objects.known_user(world, user_id))
        if new_status in PRESENT_STATUSES and old not in PRESENT_STATUSES:
            message_id = _service(emu, chat, actor, {"new_chat_members": [user]}).message_id
        elif new_status not in PRESENT_STATUSES and old in PRESENT_STATUSES:
            message_id = _service(emu, chat, actor, {"left_chat_member": user}).message_id
    return Outcome(chat.id, message_id, update_id, {"status": new_status})


def _service(
    emu: Emulator, chat: ChatRecord, actor: int, service: dict[str, Any]
) -> MessageRecord:
    world = emu.world
    msg = world.add_message(chat, from_id=actor, by_bot=False, kind="service", service=service)
    world.emit("user_message", message_view(world, msg))
    _deliver(emu, chat, msg, edited=False)
    return msg


def migrate_group(
    emu: Emulator, *, chat_id: int, new_chat_id: int | None = None, by_id: int | None = None
) -> Outcome:
    """A basic group becomes a supergroup with a new id, as when an admin upgrades it."""
    world = emu.world
    old = _chat(world, chat_id)
    if old.type != GROUP:
        raise ActionError("only a basic group can be migrated to a supergroup")
    if old.migrated_to is not None:
        raise ActionError(f"chat {chat_id} was already migrated to {old.migrated_to}")
    new_id = new_chat_id if new_chat_id is not None else -(1_000_000_000_000 + world.new_id())
    if new_id in world.chats:
        raise ActionError(f"chat {new_id} already exists")
    actor = by_id
    if actor is None:
        actor = next(
            (uid for uid, m in old.members.items() if m.status == "creator"),
            next(iter(old.members), world.bot.id),
        )
    new = ChatRecord(
        id=new_id,
        type=SUPERGROUP,
        title=old.title,
        username=old.username,
        members={uid: MemberRecord(uid, m.status) for uid, m in old.members.items()},
        last_activity=world.clock(),
        migrated_from=old.id,
    )
    world.chats[new_id] = new
    _service(emu, old, actor, {"migrate_to_chat_id": new_id})
    old.migrated_to = new_id
    _service(emu, new, actor, {"migrate_from_chat_id": old.id})
    world.emit("migrate", {"old_chat_id": old.id, "new_chat_id": new_id})
    return Outcome(new_id, None, None, {"old_chat_id": old.id, "new_chat_id": new_id})
