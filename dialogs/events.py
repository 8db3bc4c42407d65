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
class Contact:
    """A shared contact card. `own` is true only when the card is the sender's own account
    (Telegram's contact button); a forwarded card of someone else is never kept."""

    phone: str
    own: bool


@dataclass(frozen=True)
class Unsupported:
    """Stickers, photos, voice, edits…: Stride reads only text and buttons.

    `text` is any words they carry (a caption, an edited message): screened for risk only.
    """

    kind: str
    text: str = ""


Event = Command | Text | Press | Contact | Unsupported

MAX_TEXT_LENGTH = 2000
