"""The one place where a dialog screen becomes Telegram text and an inline keyboard.

Group chats accept only screens marked group-safe: a clinical screen addressed to a group is
refused here, whatever the dialog asked for (CLINICAL_SPEC 6.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from content.texts import Texts
from dialogs.screens import Screen

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64


class ClinicalLeakError(Exception):
    """A screen not marked group-safe was about to be sent to a group."""


@dataclass(frozen=True)
class Rendered:
    parts: tuple[str, ...]
    keyboard: InlineKeyboardMarkup | None
    edit: bool
    # A keyboard under the input field (the contact button), or its removal.
    reply_keyboard: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None

    @property
    def markup(self) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
        """What the last part carries: the inline buttons, else the reply keyboard's change."""
        return self.keyboard or self.reply_keyboard


def render(screen: Screen, texts: Texts, language: str, *, group: bool = False) -> Rendered:
    if group and not screen.group_safe:
        raise ClinicalLeakError(f"screen {screen.keys} is not group-safe")
    text = screen.render_text(texts, language)
    keyboard = None
    if screen.choices:
        rows = []
        for row in screen.choices:
            buttons = []
            for choice in row:
                if len(choice.data.encode()) > CALLBACK_DATA_LIMIT:
                    raise ValueError(f"callback data too long: {choice.data!r}")
                buttons.append(
                    InlineKeyboardButton(choice.label(texts, language), callback_data=choice.data)
                )
            rows.append(buttons)
        keyboard = InlineKeyboardMarkup(rows)
    return Rendered(
        parts=split_text(text),
        keyboard=keyboard,
        edit=screen.edit,
        reply_keyboard=_reply_keyboard(screen, texts, language),
    )


def _reply_keyboard(
    screen: Screen, texts: Texts, language: str
) -> ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    if screen.reply_buttons:
        if screen.choices:
            raise ValueError("a message carries inline buttons or a reply keyboard, not both")
        return ReplyKeyboardMarkup(
            [
                [KeyboardButton(texts.get(language, b.key), request_contact=b.contact or None)]
                for b in screen.reply_buttons
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    return ReplyKeyboardRemove() if screen.remove_reply_keyboard else None


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> tuple[str, ...]:
    """Split on paragraph boundaries so no message exceeds Telegram's limit."""
    if len(text) <= limit:
        return (text,)
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(paragraph) > limit:
            parts.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    if current:
        parts.append(current)
    return tuple(parts)
