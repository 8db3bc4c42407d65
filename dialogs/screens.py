"""Screens: what to show, described as text keys, parameters and choices.

A screen is rendered into Telegram messages by exactly one module in `bot/`. Keeping the
description abstract lets tests assert on keys rather than wording, and lets the renderer
refuse anything that is not marked safe for a group chat.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from content.texts import Texts


class Audience(StrEnum):
    PATIENT = "patient"
    GROUP = "group"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Line:
    """One paragraph: a text key with parameters, or literal text (instrument wording)."""

    key: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    literal: str | None = None

    def render(self, texts: Texts, language: str) -> str:
        if self.literal is not None:
            return self.literal
        assert self.key is not None
        return texts.get(language, self.key, **self.params)


@dataclass(frozen=True)
class Choice:
    """A button. `data` is the full callback payload (≤ 64 bytes, Telegram's limit)."""

    data: str
    key: str | None = None
    literal: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)

    def label(self, texts: Texts, language: str) -> str:
        if self.literal is not None:
            return self.literal
        assert self.key is not None
        return texts.get(language, self.key, **self.params)


@dataclass(frozen=True)
class ReplyButton:
    """A button of the keyboard shown under the patient's input field (not on a message).

    `contact` makes it Telegram's "share my phone number" button: pressing it sends the
    patient's own contact, the one way Stride takes a phone number (never typed by hand)."""

    key: str
    contact: bool = False


@dataclass(frozen=True)
class Screen:
    lines: tuple[Line, ...]
    choices: tuple[tuple[Choice, ...], ...] = ()
    chart: object | None = None
    audience: Audience = Audience.PATIENT
    group_safe: bool = False
    edit: bool = False
    # Safety messages: never held by quiet hours, pause or the per-chat rate limit.
    urgent: bool = False
    # A keyboard under the input field, one button a row (instead of inline `choices`), or
    # `remove_reply_keyboard` to take such a keyboard away once answered.
    reply_buttons: tuple[ReplyButton, ...] = ()
    remove_reply_keyboard: bool = False

    @property
    def keys(self) -> list[str]:
        """The text keys shown, for tests and for the group-privacy guard."""
        return [line.key for line in self.lines if line.key]

    def render_text(self, texts: Texts, language: str) -> str:
        return "\n\n".join(line.render(texts, language) for line in self.lines)


def say(key: str, **params: object) -> Line:
    return Line(key=key, params=params)


def literal(text: str) -> Line:
    return Line(literal=text)
