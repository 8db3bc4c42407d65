"""Bot API methods: what the bot can ask, and Telegram's answers and refusals.

Why: each handler reproduces the behaviour a Telegram bot depends on (message ids per chat, edits
that drop the keyboard when none is sent, "message is not modified", 403 after a block, 400
after a group became a supergroup, getUpdates long polling and its conflicts), so the bot is
tested against Telegram's rules rather than against a mock's forgiveness.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import objects
from .core import Emulator
from .formatting import ParseError, parse, utf16_len
from .media import image_size, mime_for
from .params import ApiError, Params, UploadedFile, bad_request
from .state import CHANNEL, PRESENT_STATUSES, PRIVATE, ChatRecord, FileRecord, MessageRecord, World
from .views import message_view

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


@dataclass
class Call:
    """One Bot API request being answered."""

    emu: Emulator
    token: str
    method: str
    params: Params

    @property
    def world(self) -> World:
        return self.emu.world


Handler = Callable[[Call], Awaitable[object]]
HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register a coroutine as the handler of the named methods."""

    def register(func: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = func
        return func

    return register


# --------------------------------------------------------------------- helpers
def target_chat(call: Call, name: str = "chat_id") -> ChatRecord:
    chat = call.world.find_chat(call.params.chat_ref(name))
    if chat is None:
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to},
        )
    return chat


def _chat_kind(chat: ChatRecord) -> str:
    return {"group": "group chat", "supergroup": "supergroup chat"}.get(chat.type, "channel chat")


def ensure_can_send(world: World, chat: ChatRecord) -> None:
    """Telegram's 403s: blocked by the user, not (or no longer) a member, bot-to-bot."""
    status = world.member_status(chat, world.bot.id)
    if chat.type == PRIVATE:
        user = world.users.get(chat.id)
        if user is not None and user.is_bot:
            raise ApiError(403, "Forbidden: bot can't send messages to bots")
        if status == "kicked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return
    if status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {_chat_kind(chat)}")
    if status not in PRESENT_STATUSES:
        raise ApiError(403, f"Forbidden: bot is not a member of the {_chat_kind(chat)}")
    if chat.type == CHANNEL and status not in ("creator", "administrator"):
        raise bad_request("need administrator rights in the channel chat")


def formatted(
    params: Params, text_field: str, entities_field: str, *, limit: int, allow_empty: bool
) -> tuple[str | None, list[dict[str, Any]]]:
    """Plain text and entities from a text/caption parameter and its parse_mode or entities."""
    source = params.opt_str(text_field)
    if source is None:
        if allow_empty:
            return None, []
        raise bad_request("message text is empty")
    explicit = params.opt_list(entities_field)
    parse_mode = params.opt_str("parse_mode")
    if explicit is not None:
        text, entities = source, [e for e in explicit if isinstance(e, dict)]
    else:
        try:
            text, entities = parse(source, parse_mode)
        except ParseError as exc:
            raise bad_request(str(exc)) from exc
    if not text.strip() and not allow_empty:
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:
        what = "message caption is too long" if text_field == "caption" else "message is too long"
        raise bad_request(what)
    return text, entities


def reply_target(call: Call, chat: ChatRecord) -> int | None:
    reply = call.params.opt_obj("reply_parameters")
    message_id = reply.get("message_id") if reply else call.params.opt_int("reply_to_message_id")
    if not isinstance(message_id, int):
        return None
    allow = bool(reply.get("allow_sending_without_reply")) if reply else False
    allow = allow or call.params.opt_bool("allow_sending_without_reply")
    target = chat.messages.get(message_id)
    if target is None or target.deleted:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    return message_id


def store_bot_message(call: Call, chat: ChatRecord, **fields: Any) -> dict[str, Any]:
    """Record a message the bot sent; announce it; return the Bot API Message."""
    world = call.world
    is_channel = chat.type == CHANNEL
    msg = world.add_message(
        chat,
        from_id=None if is_channel else world.bot.id,
        sender_chat_id=chat.id if is_channel else None,
        by_bot=True,
        **fields,
    )
    world.stats.sends_per_chat[chat.id] += 1
    world.emit("bot_message", message_view(world, msg))
    return objects.message_dict(world, msg)


def bot_message(call: Call) -> tuple[ChatRecord, MessageRecord]:
    """The bot's own message addressed by chat_id + message_id (edits and deletes)."""
    if call.params.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    chat = target_chat(call)
    message_id = call.params.opt_int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    msg = chat.messages.get(message_id)
    if msg is None or msg.deleted:
        raise bad_request("message to edit not found")
    if not msg.by_bot:
        raise bad_request("message can't be edited")
    return chat, msg


def apply_edit(
    call: Call, msg: MessageRecord, meta: dict[str, Any] | None = None, **changes: Any
) -> dict[str, Any]:
    """Edit a bot message unless nothing visible changes ("message is not modified").

    `changes` are compared with the message; `meta` (source text, parse_mode) is stored only.
    """
    world = call.world
    if all(getattr(msg, key) == value for key, value in changes.items()):
        raise bad_request(_NOT_MODIFIED)
    msg.history.append(world.snapshot(msg))
    for key, value in {**changes, **(meta or {})}.items():
        setattr(msg, key, value)
    msg.edit_date = world.now()
    msg.seq = world.touch()
    world.emit("bot_edit", message_view(world, msg))
    return objects.message_dict(world, msg)


def _scope_key(scope: dict[str, Any] | None) -> str:
    scope = scope or {"type": "default"}
    return json.dumps(
        {k: scope[k] for k in ("type", "chat_id", "user_id") if k in scope}, sort_keys=True
    )


# --------------------------------------------------------------------- bot and updates
@handles("getMe")
async def get_me(call: Call) -> object:
    return objects.me_dict(call.world)


@handles("logOut", "close")
async def log_out(call: Call) -> object:
    return True


@handles("getUpdates")
async def get_updates(call: Call) -> object:
    emu, world, params = call.emu, call.world, call.params
    if world.webhook.url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
            "to delete the webhook first",
        )
    offset = params.opt_int("offset")
    limit = min(max(params.opt_int("limit") or 100, 1), 100)
    timeout = min(max(float(params.opt_int("timeout") or 0), 0.0), emu.options.max_long_poll)
    allowed = params.opt_list("allowed_updates")
    world.set_allowed_updates([str(k) for k in allowed] if allowed is not None else None)
    if offset is not None:
        if offset < 0:
            while len(world.updates) > -offset:
                world.updates.popleft()
        else:
            world.confirm_updates(offset)
    emu.poll_generation += 1
    generation = emu.poll_generation
    world.changed.notify()  # an older long poll of this bot ends with 409 Conflict

    def ready() -> bool:
        return bool(world.updates) or world.closing or emu.poll_generation != generation

    await world.changed.wait_for(ready, timeout)
    if emu.poll_generation != generation and not world.closing:
        world.stats.get_updates_conflicts += 1
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
        )
    if world.closing:
        return []
    batch = list(world.updates)[:limit]
    world.stats.updates_delivered += len(batch)
    return batch


@handles("setWebhook")
async def set_webhook(call: Call) -> object:
    world, params = call.world, call.params
    url = params.req_str("url") if params.has("url") else ""
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: an HTTP(S) URL must be provided for webhook")
        if parts.hostname not in call.emu.options.webhook_hosts:
            raise bad_request(
                "bad webhook: the emulator only delivers to "
                + ", ".join(call.emu.options.webhook_hosts)
            )
    secret = params.opt_str("secret_token")
    if secret is not None and (
        not 1 <= len(secret) <= 256
        or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
    ):
        raise bad_request("secret token contains unallowed characters")
    if params.opt_bool("drop_pending_updates"):
        world.drop_pending_updates()
    allowed = params.opt_list("allowed_updates")
    hook = world.webhook
    hook.url = url
    hook.secret_token = secret
    hook.max_connections = params.opt_int("max_connections") or 40
    hook.last_error_date = None
    hook.last_error_message = None
    if allowed is not None:
        hook.allowed_updates = [str(k) for k in allowed]
        world.set_allowed_updates(hook.allowed_updates)
    world.emit("webhook", {"url": url})
    return True


@handles("deleteWebhook")
async def delete_webhook(call: Call) -> object:
    world = call.world
    if call.params.opt_bool("drop_pending_updates"):
        world.drop_pending_updates()
    world.webhook.url = ""
    world.webhook.secret_token = None
    world.emit("webhook", {"url": ""})
    return True


@handles("getWebhookInfo")
async def get_webhook_info(call: Call) -> object:
    return objects.webhook_info(call.world)


# --------------------------------------------------------------------- sending
@handles("sendMessage")
async def send_message(call: Call) -> object:
    chat = target_chat(call)
    ensure_can_send(call.world, chat)
    text, entities = formatted(call.params, "text", "entities", limit=MAX_TEXT, allow_empty=False)
    return store_bot_message(
        call,
        chat,
        kind="text",
        text=text,
        entities=entities,
        source_text=call.params.opt_str("text"),
        parse_mode=call.params.opt_str("parse_mode"),
        reply_markup=call.params.opt_obj("reply_markup"),
        reply_to_message_id=reply_target(call, chat),
    )


def _media_record(call: Call, field: str, kind: str) -> FileRecord:
    """The FileRecord for an upload, a known file_id or a URL (not fetched: no internet)."""
    world = call.world
    given = call.params.file(field)
    if given is None:
        raise bad_request(f"there is no {field} in the request")
    if isinstance(given, UploadedFile):
        if not given.data:
            raise bad_request("file must be non-empty")
        size = image_size(given.data) if kind == "photo" else None
        if kind == "photo" and size is None:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = size or (0, 0)
        record = world.add_file(
            kind=kind,
            data=given.data,
            mime_type=mime_for(given.data, given.content_type),
            file_name=given.filename,
            width=width,
            height=height,
        )
        world.emit("file", {"file_id": record.file_id, "kind": kind, "size": len(given.data)})
        return record
    if given in world.files:
        record = world.files[given]
        if kind == "photo" and record.kind != "photo":
            raise bad_request(f"can't use file of type {record.kind} as Photo")
        return record
    if given.startswith(("http://", "https://")):
        return world.add_file(
            kind=kind,
            data=b"",
            mime_type="application/octet-stream",
            file_name=given,
            width=800 if kind == "photo" else 0,
            height=600 if kind == "photo" else 0,
            source="url",
        )
    raise bad_request("wrong file identifier/HTTP URL specified")


@handles("sendPhoto", "sendDocument", "sendVoice", "sendSticker")
async def send_media(call: Call) -> object:
    kind = {
        "sendPhoto": "photo",
        "sendDocument": "document",
        "sendVoice": "voice",
        "sendSticker": "sticker",
    }[call.method]
    chat = target_chat(call)
    ensure_can_send(call.world, chat)
    record = _media_record(call, kind, kind)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = []
    if kind != "sticker":
        caption, caption_entities = formatted(
            call.params, "caption", "caption_entities", limit=MAX_CAPTION, allow_empty=True
        )
    return store_bot_message(
        call,
        chat,
        kind=kind,
        file_id=record.file_id,
        caption=caption,
        caption_entities=caption_entities,
        source_text=call.params.opt_str("caption"),
        parse_mode=call.params.opt_str("parse_mode"),
        reply_markup=call.params.opt_obj("reply_markup"),
        reply_to_message_id=reply_target(call, chat),
    )


@handles("sendChatAction")
async def send_chat_action(call: Call) -> object:
    chat = target_chat(call)
    ensure_can_send(call.world, chat)
    action = call.params.req_str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.chat_action = action
    call.world.emit("chat_action", {"chat_id": chat.id, "action": action})
    return True


# --------------------------------------------------------------------- editing
@handles("editMessageText")
async def edit_message_text(call: Call) -> object:
    _, msg = bot_message(call)
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(call.params, "text", "entities", limit=MAX_TEXT, allow_empty=False)
    return apply_edit(
        call,
        msg,
        {
            "source_text": call.params.opt_str("text"),
            "parse_mode": call.params.opt_str("parse_mode"),
        },
        text=text,
        entities=entities,
        reply_markup=call.params.opt_obj("reply_markup"),
    )


@handles("editMessageCaption")
async def edit_message_caption(call: Call) -> object:
    _, msg = bot_message(call)
    if msg.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = formatted(
        call.params, "caption", "caption_entities", limit=MAX_CAPTION, allow_empty=True
    )
    return apply_edit(
        call,
        msg,
        caption=caption,
        caption_entities=entities,
        reply_markup=call.params.opt_obj("reply_markup"),
    )


@handles("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> object:
    _, msg = bot_message(call)
    return apply_edit(call, msg, reply_markup=call.params.opt_obj("reply_markup"))


@handles("deleteMessage", "deleteMessages")
async def delete_message(call: Call) -> object:
    world = call.world
    chat = target_chat(call)
    if call.method == "deleteMessages":
        ids = [i for i in call.params.opt_list("message_ids") or [] if isinstance(i, int)]
    else:
        ids = [call.params.req_int("message_id")]
    bot_is_admin = world.member_status(chat, world.bot.id) in ("creator", "administrator")
    deleted = 0
    for message_id in ids:
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            if call.method == "deleteMessage":
                raise bad_request("message to delete not found")
            continue
        if not msg.by_bot and chat.type != PRIVATE and not bot_is_admin:
            if call.method == "deleteMessage":
                raise bad_request("message can't be deleted")
            continue
        msg.deleted = True
        msg.seq = world.touch()
        world.emit("bot_delete", {"chat_id": chat.id, "message_id": message_id})
        deleted += 1
    if call.method == "deleteMessages" and ids and not deleted:
        raise bad_request("message to delete not found")
    return True


@handles("answerCallbackQuery")
async def answer_callback_query(call: Call) -> object:
    world = call.world
    record = world.callbacks.get(call.params.req_str("callback_query_id"))
    if record is None or record.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    record.answered = True
    record.answer = {
        "text": call.params.opt_str("text"),
        "show_alert": call.params.opt_bool("show_alert"),
        "url": call.params.opt_str("url"),
        "cache_time": call.params.opt_int("cache_time") or 0,
    }
    world.emit("callback_answer", {"callback_query_id": record.id, **record.answer})
    return True


# --------------------------------------------------------------------- commands and profile
@handles("setMyCommands")
async def set_my_commands(call: Call) -> object:
    commands = call.params.opt_list("commands") or []
    key = (_scope_key(call.params.opt_obj("scope")), call.params.opt_str("language_code") or "")
    call.world.commands[key] = [
        {"command": c["command"], "description": c["description"]}
        for c in commands
        if isinstance(c, dict) and "command" in c and "description" in c
    ]
    call.world.emit("commands", {"scope": key[0], "language_code": key[1]})
    return True


@handles("getMyCommands")
async def get_my_commands(call: Call) -> object:
    key = (_scope_key(call.params.opt_obj("scope")), call.params.opt_str("language_code") or "")
    return list(call.world.commands.get(key, []))


@handles("deleteMyCommands")
async def delete_my_commands(call: Call) -> object:
    key = (_scope_key(call.params.opt_obj("scope")), call.params.opt_str("language_code") or "")
    call.world.commands.pop(key, None)
    call.world.emit("commands", {"scope": key[0], "language_code": key[1]})
    return True


_PROFILE = {
    "setMyName": ("name", "name"),
    "getMyName": ("name", "name"),
    "setMyDescription": ("description", "description"),
    "getMyDescription": ("description", "description"),
    "setMyShortDescription": ("short_description", "short_description"),
    "getMyShortDescription": ("short_description", "short_description"),
}


@handles(*_PROFILE)
async def bot_profile(call: Call) -> object:
    field, result_key = _PROFILE[call.method]
    language = call.params.opt_str("language_code") or ""
    store = call.world.bot_profile.setdefault(field, {})
    if call.method.startswith("set"):
        value = call.params.opt_str(field) or ""
        if value:
            store[language] = value
        else:
            store.pop(language, None)
        return True
    value = store.get(language, store.get("", ""))
    if field == "name" and not value:
        value = call.world.bot.first_name
    return {result_key: value}


@handles("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> object:
    button = call.params.opt_obj("menu_button") or {"type": "default"}
    chat_id = call.params.opt_int("chat_id")
    if chat_id is None:
        call.world.default_menu_button = button
        return True
    chat = call.world.chats.get(chat_id)
    if chat is None or chat.type != PRIVATE:
        raise bad_request("chat not found")
    chat.menu_button = button
    return True


@handles("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> object:
    chat_id = call.params.opt_int("chat_id")
    chat = call.world.chats.get(chat_id) if chat_id is not None else None
    if chat is not None and chat.menu_button is not None:
        return chat.menu_button
    return call.world.default_menu_button


# --------------------------------------------------------------------- chats
@handles("getChat")
async def get_chat(call: Call) -> object:
    return objects.chat_full_info(call.world, target_chat(call))


@handles("getChatMember")
async def get_chat_member(call: Call) -> object:
    chat = target_chat(call)
    user_id = call.params.req_int("user_id")
    if user_id not in call.world.users:
        raise bad_request("user not found")
    return objects.member_dict(call.world, chat, user_id)


@handles("getChatAdministrators")
async def get_chat_administrators(call: Call) -> object:
    chat = target_chat(call)
    if chat.type == PRIVATE:
        raise bad_request("there are no administrators in the private chat")
    return [
        objects.member_dict(call.world, chat, uid)
        for uid, member in chat.members.items()
        if member.status in ("creator", "administrator")
    ]


@handles("getChatMemberCount")
async def get_chat_member_count(call: Call) -> object:
    chat = target_chat(call)
    return sum(1 for m in chat.members.values() if m.status in PRESENT_STATUSES)


@handles("leaveChat")
async def leave_chat(call: Call) -> object:
    world = call.world
    chat = target_chat(call)
    if chat.type == PRIVATE:
        raise bad_request("chat member status can't be changed in private chats")
    old = world.member_status(chat, world.bot.id)
    if old not in PRESENT_STATUSES:
        raise ApiError(403, f"Forbidden: bot is not a member of the {_chat_kind(chat)}")
    chat.members.pop(world.bot.id, None)
    world.push_update(
        "my_chat_member",
        objects.chat_member_updated(
            world,
            chat,
            actor_id=world.bot.id,
            user_id=world.bot.id,
            old_status=old,
            new_status="left",
        ),
    )
    world.emit("bot_left", {"chat_id": chat.id})
    return True


@handles("getFile")
async def get_file(call: Call) -> object:
    file_id = call.params.req_str("file_id")
    record = call.world.files.get(file_id)
    if record is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
        "file_path": f"{record.kind}s/{record.file_id}",
    }
