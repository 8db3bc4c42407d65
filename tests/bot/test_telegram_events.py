"""Telegram updates become dialog events; untrusted input is classified, never trusted."""

from __future__ import annotations

import datetime as dt

from telegram import CallbackQuery, Chat, Message, Sticker, Update, User

from bot.telegram_events import command_or_text, event_of
from dialogs.events import Command, Press, Text, Unsupported

USER = User(5, "P", is_bot=False)
CHAT = Chat(5, Chat.PRIVATE)
NOW = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


def test_commands_text_and_addressing() -> None:
    assert command_or_text("/today", "stride_bot") == Command("today")
    assert command_or_text("/log extra words", "stride_bot") == Command("log", "extra words")
    assert command_or_text("/TODAY@Stride_Bot", "stride_bot") == Command("today")
    assert command_or_text("/board@otherbot", "stride_bot") == Command("__other_bot__")
    assert command_or_text("hello", "stride_bot") == Text("hello")
    assert command_or_text("/", "stride_bot") == Text("/")


def test_stickers_edits_and_buttons() -> None:
    sticker = Sticker("f", "u", 1, 1, False, False, Sticker.REGULAR)
    message = Message(1, NOW, CHAT, from_user=USER, sticker=sticker)
    assert event_of(Update(1, message=message), "stride_bot") == Unsupported("sticker")
    edited = Message(2, NOW, CHAT, from_user=USER, text="changed")
    # An edit is not acted on, but its words are carried along to be screened for risk.
    assert event_of(Update(2, edited_message=edited), "stride_bot") == Unsupported(
        "edited", "changed"
    )
    query = CallbackQuery("q", USER, "chat", data="c:3:a1")
    assert event_of(Update(3, callback_query=query), "stride_bot") == Press("c:3:a1")
