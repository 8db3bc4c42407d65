"""What a patient can do, as transport-neutral events."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    args: str = ""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Press:
    """A button press; `data` is untrusted: it may be stale or forged."""

    data: str


@dataclass(frozen=True)
class Unsupported:
    """Stickers, photos, voice, edits…: Stride reads only text and buttons.

    `text` is any words they carry (a caption, an edited message): screened for risk only.
    """

    kind: str
    text: str = ""


Event = Command | Text | Press | Unsupported

MAX_TEXT_LENGTH = 2000
