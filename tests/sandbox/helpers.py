"""A small client of the sandbox's own JSON API, as the page uses it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.pipeline import Sender
from bot.services import Services
from dialogs.events import Command, Event, Press, Text
from dialogs.screens import Screen

BEN = 1002
CHLOE = 1003
ANA = 1001
SUPERVISOR = 9001


class ApiError(AssertionError):
    pass


@dataclass
class Page:
    """What the browser does, over HTTP: read chats, type, press buttons, move the clock."""

    base: str
    session: aiohttp.ClientSession

    async def get(self, path: str) -> dict[str, Any]:
        async with self.session.get(self.base + path) as response:
            data: dict[str, Any] = await response.json()
            if response.status != 200:
                raise ApiError(f"GET {path} -> {response.status}: {data}")
            return data

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.session.post(self.base + path, json=body) as response:
            data: dict[str, Any] = await response.json()
            if response.status != 200:
                raise ApiError(f"POST {path} -> {response.status}: {data}")
            return data

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return list((await self.get(f"/api/chats/{chat_id}/messages"))["messages"])

    async def send(self, chat_id: int, text: str, from_id: int | None = None) -> None:
        await self.post("/api/send", {"chat_id": chat_id, "from_id": from_id, "text": text})

    async def wait_for(
        self, chat_id: int, fragment: str, timeout: float = 10, *, button: bool = False
    ) -> dict[str, Any]:
        """The latest bot message in the chat containing `fragment` (or a button so labelled)."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            found = [m for m in await self.messages(chat_id) if m["by_bot"]]
            seen = [(m.get("text") or m.get("caption") or "")[:60] for m in found]
            for message in reversed(found):
                body = message.get("text") or message.get("caption") or ""
                if (fragment in buttons(message)) if button else (fragment in body):
                    return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {fragment!r} in chat {chat_id}; saw {seen[-4:]}")


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


# Onboarding to an active patient training every day at 08:00 London time (as in
# tests/stories/onboarding_to_first_session.yaml, with all days chosen).
ONBOARDING: list[tuple[str, str]] = [
    ("say", "/start"),
    ("press", "I agree"),
    ("press", "London"),
    *[("press", "Several days")] * 8,
    ("press", "Not at all"),
    ("press", "Somewhat difficult"),
    *[("press", "No")] * 7,
    ("say", "40"),
    ("say", "60"),
    ("press", "No"),
    ("press", "Now and then"),
    ("press", "Aerobic exercise"),
    ("press", "Done"),
    ("press", "Done"),
    ("say", "Being there for my kids"),
    ("press", "Done"),
    *[("press", day) for day in ("Tue", "Thu", "Sat", "Sun")],
    ("press", "Done"),
    ("say", "8:00"),
    ("say", "Not now"),  # the optional phone question (its reply keyboard sends the text)
]
OFFSCREEN_UPDATES = 2_000_000_000  # update ids far from the emulator's


async def onboard_offscreen(
    services: Services,
    user_id: int,
    first_name: str,
    steps: list[tuple[str, str]] = ONBOARDING,
    first_update: int = OFFSCREEN_UPDATES,
) -> None:
    """Onboard a patient through the real dialogs and database, but not through Telegram.

    On screen the same ~40 messages take half a minute (Telegram's flood limit of about one
    message a second per chat); here they take a second. What follows (nudges) is real.
    """
    texts = services.content.texts
    sender = Sender(user_id, user_id, "en", first_name)
    screens: list[Screen] = []
    for number, (action, value) in enumerate(steps):
        event: Event
        if action == "press":
            event = Press(_data_for(screens, value, lambda c: c.label(texts, "en")))
        elif value.startswith("/"):
            event = Command(value.removeprefix("/"))
        else:
            event = Text(value)
        handled = await services.pipeline.handle(sender, event, first_update + number)
        screens.extend(handled.replies)
    async with services.store.transaction() as tx:
        state = await tx.load_patient(user_id, services.clock.now())
    finished = state is not None and state.patient.journey == "active"
    assert finished or steps is not ONBOARDING, "onboarding did not finish"


def _data_for(screens: list[Screen], label: str, label_of: Callable[[Any], str]) -> str:
    """The callback data of the latest button labelled `label`, as the patient would press."""
    for screen in reversed(screens):
        for row in screen.choices:
            for choice in row:
                if label_of(choice) == label:
                    return str(choice.data)
    raise AssertionError(f"no button {label!r} offered")
