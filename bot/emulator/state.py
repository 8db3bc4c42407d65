"""The emulator's in-memory world: users, chats, messages, files, the update queue and records.

Why: one plain, synchronous data model shared by the Bot API handlers (the bot's side) and the
control API (the users' side), so both see the same chats and message ids. Everything runs on
one event loop, so there are no locks; waiters (long polling, tests waiting for a reply, the
event stream) sleep on a `Notifier` that every change wakes.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

PRIVATE = "private"
GROUP = "group"
SUPERGROUP = "supergroup"
CHANNEL = "channel"
CHAT_TYPES = (PRIVATE, GROUP, SUPERGROUP, CHANNEL)
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
PRESENT_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})

# Update kinds Telegram sends when allowed_updates was never set (or set to []).
DEFAULT_UPDATE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class Notifier:
    """Wakes every coroutine waiting for "something changed"."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, seconds: float) -> bool:
        """Sleep until the next notify() or `seconds`; True if notified."""
        if seconds <= 0:
            return False
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            return False
        finally:
            self._waiters.discard(waiter)
        return True

    async def wait_for(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until predicate() holds (checked after each change) or `seconds` pass."""
        deadline = time.monotonic() + seconds
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await self.wait(remaining)
        return True


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False


@dataclass
class MemberRecord:
    user_id: int
    status: str = "member"
    until_date: int = 0


@dataclass
class FileRecord:
    """Bytes the bot uploaded or a user "sent"; kept so a UI can show them."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    mime_type: str
    file_name: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    source: str = "upload"  # upload | user | url


@dataclass
class MessageRecord:
    chat_id: int
    message_id: int
    date: int
    from_id: int | None
    by_bot: bool
    kind: str = "text"  # text | photo | document | sticker | voice | contact | service
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    source_text: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    file_id: str | None = None
    sender_chat_id: int | None = None
    reply_to_message_id: int | None = None
    service: dict[str, Any] = field(default_factory=dict)
    # A shared contact (Contact object: phone_number, first_name, last_name?, user_id?).
    contact: dict[str, Any] | None = None
    edit_date: int | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    seq: int = 0


@dataclass
class ChatRecord:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    members: dict[int, MemberRecord] = field(default_factory=dict)
    messages: dict[int, MessageRecord] = field(default_factory=dict)
    next_message_id: int = 1
    last_activity: float = 0.0
    migrated_to: int | None = None
    migrated_from: int | None = None
    menu_button: dict[str, Any] | None = None
    chat_action: str | None = None


@dataclass
class CallbackRecord:
    id: str
    chat_id: int
    message_id: int
    from_id: int
    data: str | None
    forged: bool
    answered: bool = False
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class Violation:
    """A request the real Telegram would reject: the bot has a bug."""

    time: float
    method: str
    kind: str  # unknown_method | unsupported_method | invalid_request | bad_request
    description: str
    params: dict[str, Any]


@dataclass
class WebhookConfig:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0


@dataclass
class Stats:
    methods: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    rate_limited: int = 0
    rate_limited_per_chat: Counter[int] = field(default_factory=Counter)
    sends_per_chat: Counter[int] = field(default_factory=Counter)
    faults_triggered: int = 0
    updates_created: int = 0
    updates_delivered: int = 0
    webhook_failures: int = 0
    get_updates_conflicts: int = 0


@dataclass
class Event:
    seq: int
    time: float
    kind: str
    data: dict[str, Any]


class World:
    """All state of one emulated Telegram with one bot."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_first_name: str,
        clock: Callable[[], float] = time.time,
        event_buffer: int = 2000,
    ) -> None:
        self.clock = clock
        self.bot = UserRecord(
            id=bot_id, first_name=bot_first_name, username=bot_username, is_bot=True
        )
        self.users: dict[int, UserRecord] = {bot_id: self.bot}
        self.chats: dict[int, ChatRecord] = {}
        self.files: dict[str, FileRecord] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.next_update_id = 100_001
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_KINDS
        self.webhook = WebhookConfig()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_profile: dict[str, dict[str, str]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.violations: list[Violation] = []
        self.stats = Stats()
        self.events: deque[Event] = deque(maxlen=event_buffer)
        self.event_seq = 0
        self.change_seq = 0
        self.changed = Notifier()
        self.closing = False
        self._ids = itertools.count(1)

    # ----------------------------------------------------------------- basics
    def now(self) -> int:
        return int(self.clock())

    def new_id(self) -> int:
        """A process-unique small integer (file ids, callback ids, chat and user ids)."""
        return next(self._ids)

    def touch(self) -> int:
        """Mark a change: bump the change sequence and wake all waiters."""
        self.change_seq += 1
        self.changed.notify()
        return self.change_seq

    def emit(self, kind: str, data: dict[str, Any]) -> Event:
        """Record an event for the live stream (/control/events) and wake waiters."""
        self.event_seq += 1
        event = Event(seq=self.event_seq, time=self.clock(), kind=kind, data=data)
        self.events.append(event)
        self.touch()
        return event

    def events_after(self, seq: int) -> list[Event]:
        return [e for e in self.events if e.seq > seq]

    # ----------------------------------------------------------------- users and chats
    def upsert_user(
        self,
        *,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool | None = None,
    ) -> UserRecord:
        """Create or update a user; a human user also gets a private chat with the bot."""
        uid = user_id if user_id is not None else 100_000_000 + self.new_id()
        user = self.users.get(uid)
        if user is None:
            user = UserRecord(id=uid, first_name=first_name or f"User{uid}")
            self.users[uid] = user
        if first_name is not None:
            user.first_name = first_name
        if last_name is not None:
            user.last_name = last_name
        if username is not None:
            user.username = username.lstrip("@") or None
        if language_code is not None:
            user.language_code = language_code or None
        if is_bot is not None:
            user.is_bot = is_bot
        if not user.is_bot and uid not in self.chats:
            chat = ChatRecord(id=uid, type=PRIVATE, last_activity=self.clock())
            chat.members[uid] = MemberRecord(uid, "member")
            chat.members[self.bot.id] = MemberRecord(self.bot.id, "member")
            self.chats[uid] = chat
        self.touch()
        return user

    def create_chat(
        self,
        *,
        chat_type: str,
        title: str,
        chat_id: int | None = None,
        username: str | None = None,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        creator: int | None = None,
        bot_status: str = "member",
    ) -> ChatRecord:
        """A group, supergroup or channel with the given members and the bot in it."""
        if chat_type not in (GROUP, SUPERGROUP, CHANNEL):
            raise ValueError(f"chat type must be group, supergroup or channel, not {chat_type}")
        if chat_id is None:
            base = 900_000_000 if chat_type == GROUP else 1_000_000_000_000
            chat_id = -(base + self.new_id())
        chat = ChatRecord(
            id=chat_id,
            type=chat_type,
            title=title,
            username=(username or "").lstrip("@") or None,
            last_activity=self.clock(),
        )
        for uid in members:
            chat.members[uid] = MemberRecord(uid, "member")
        for uid in admins:
            chat.members[uid] = MemberRecord(uid, "administrator")
        if creator is not None:
            chat.members[creator] = MemberRecord(creator, "creator")
        if bot_status not in MEMBER_STATUSES:
            raise ValueError(f"unknown member status {bot_status}")
        chat.members[self.bot.id] = MemberRecord(self.bot.id, bot_status)
        self.chats[chat_id] = chat
        self.touch()
        return chat

    def find_chat(self, ref: int | str) -> ChatRecord | None:
        """A chat by id or by public @username."""
        if isinstance(ref, int):
            return self.chats.get(ref)
        name = ref.lstrip("@").lower()
        return next(
            (c for c in self.chats.values() if c.username and c.username.lower() == name),
            None,
        )

    def member_status(self, chat: ChatRecord, user_id: int) -> str:
        member = chat.members.get(user_id)
        return member.status if member else "left"

    # ----------------------------------------------------------------- messages
    def add_message(self, chat: ChatRecord, **fields: Any) -> MessageRecord:
        """Store a new message with the chat's next message id."""
        message = MessageRecord(
            chat_id=chat.id,
            message_id=chat.next_message_id,
            date=self.now(),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        chat.last_activity = self.clock()
        message.seq = self.touch()
        return message

    def snapshot(self, message: MessageRecord) -> dict[str, Any]:
        """The editable part of a message, kept in its edit history."""
        return {
            "text": message.text,
            "caption": message.caption,
            "reply_markup": message.reply_markup,
            "date": message.edit_date or message.date,
        }

    def add_file(
        self,
        *,
        kind: str,
        data: bytes,
        mime_type: str,
        file_name: str | None = None,
        width: int = 0,
        height: int = 0,
        duration: int = 0,
        source: str = "upload",
    ) -> FileRecord:
        number = self.new_id()
        record = FileRecord(
            file_id=f"emu-{kind}-{number}-{secrets.token_hex(6)}",
            file_unique_id=f"emu{number}u",
            kind=kind,
            data=data,
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            duration=duration,
            source=source,
        )
        self.files[record.file_id] = record
        return record

    # ----------------------------------------------------------------- updates
    def push_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update unless the bot's allowed_updates filter drops it; its id or None."""
        if kind not in self.allowed_updates:
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.stats.updates_created += 1
        self.emit("update", {"update_id": update_id, "kind": kind})
        return update_id

    def set_allowed_updates(self, kinds: list[str] | None) -> None:
        """None keeps the previous setting; an empty list means Telegram's default set."""
        if kinds is None:
            return
        self.allowed_updates = frozenset(kinds) if kinds else DEFAULT_UPDATE_KINDS

    def confirm_updates(self, offset: int) -> None:
        """Forget every update with an id below `offset` (getUpdates' confirmation)."""
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def drop_pending_updates(self) -> None:
        self.updates.clear()
        self.touch()

    # ----------------------------------------------------------------- records
    def add_violation(
        self, method: str, kind: str, description: str, params: dict[str, Any]
    ) -> Violation:
        violation = Violation(
            time=self.clock(),
            method=method,
            kind=kind,
            description=description,
            params=params,
        )
        self.violations.append(violation)
        self.emit(
            "violation",
            {"method": method, "kind": kind, "description": description},
        )
        return violation

    def new_callback_id(self) -> str:
        return str(4_000_000_000_000 + self.new_id() * 7919)
