"""Telegram updates become dialog events; untrusted input is classified, never trusted."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import (
    CallbackQuery,
    Chat,
    Contact,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Sticker,
    Update,
    User,
)

from bot.render import render
from bot.telegram_events import command_or_text, event_of
from content.loader import load_content
from dialogs.events import Command, Press, Text, Unsupported
from dialogs.events import Contact as SharedContact
from dialogs.screens import Choice, ReplyButton, Screen, say

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


def test_a_contact_is_own_only_when_its_user_id_is_the_senders() -> None:
    own = Message(4, NOW, CHAT, from_user=USER, contact=Contact("447700900123", "P", user_id=5))
    other = Message(5, NOW, CHAT, from_user=USER, contact=Contact("34600", "Q", user_id=6))
    no_id = Message(6, NOW, CHAT, from_user=USER, contact=Contact("34601", "R"))
    assert event_of(Update(4, message=own), "b") == SharedContact("447700900123", own=True)
    assert event_of(Update(5, message=other), "b") == SharedContact("34600", own=False)
    assert event_of(Update(6, message=no_id), "b") == SharedContact("34601", own=False)


def test_reply_keyboard_with_the_contact_button_and_its_removal() -> None:
    texts = load_content().texts
    asking = Screen(
        lines=(say("phone.ask"),),
        reply_buttons=(
            ReplyButton("phone.button.share", contact=True),
            ReplyButton("phone.button.not_now"),
        ),
    )
    markup = render(asking, texts, "es").markup
    assert isinstance(markup, ReplyKeyboardMarkup)
    share, not_now = markup.keyboard[0][0], markup.keyboard[1][0]
    assert share.request_contact is True and "Compartir" in share.text
    assert not_now.request_contact is None and not_now.text == "Ahora no"
    done = Screen(lines=(say("phone.shared"),), remove_reply_keyboard=True)
    assert isinstance(render(done, texts, "en").markup, ReplyKeyboardRemove)
    both = Screen(
        lines=(say("phone.ask"),),
        choices=((Choice("c:1:x", literal="x"),),),
        reply_buttons=(ReplyButton("phone.button.not_now"),),
    )
    with pytest.raises(ValueError):
        render(both, texts, "en")
