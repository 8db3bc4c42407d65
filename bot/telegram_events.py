"""Telegram updates → transport-neutral dialog events. Untrusted input stops here."""

from __future__ import annotations

from telegram import Message, Update

from dialogs.events import Command, Contact, Event, Press, Text, Unsupported

_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "animation",
    "location",
    "contact",
    "poll",
    "dice",
)


def event_of(update: Update, bot_username: str | None) -> Event | None:
    """The event an update carries, or None for updates Stride ignores."""
    if update.callback_query is not None:
        return Press(update.callback_query.data or "")
    if update.edited_message is not None:
        edited = update.edited_message
        return Unsupported("edited", edited.text or edited.caption or "")
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return command_or_text(message.text, bot_username)
    if message.contact is not None:
        sender = message.from_user.id if message.from_user else None
        own = sender is not None and message.contact.user_id == sender
        return Contact(message.contact.phone_number[:32], own)
    return Unsupported(kind_of(message), message.caption or "")  # a caption is still screened


def command_or_text(text: str, bot_username: str | None) -> Event:
    if not text.startswith("/") or len(text) < 2:
        return Text(text)
    head, _, args = text[1:].partition(" ")
    name, _, addressee = head.partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return Command("__other_bot__")
    return Command(name.lower()[:64], args.strip())


def kind_of(message: Message) -> str:
    for kind in _KINDS:
        if getattr(message, kind, None):
            return kind
    return "other"
