"""Runs the real bot (`python -m bot run`) as a subprocess against the local emulator.

The bot process speaks the Bot API over HTTP through python-telegram-bot's real stack; the
test plays users through the emulator's control API. `Person` waits for what the bot says
and presses buttons by their label, as a patient would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.clock import ShiftedClock
from bot.emulator import EmulatorClient
from bot.emulator.core import DEFAULT_TOKEN

SUPERVISOR = 900001
SECOND_SUPERVISOR = 900002
BACKUP_SUPERVISOR = 900003

# The bots run on the real date, moved forward by STRIDE_E2E_START_DAYS days (default 0): a
# behaviour that depends on the weekday or date can pass today and fail tomorrow (a Saturday
# start once offered week 2's dose for Monday), so the suite can be run as if on any day:
#   for d in 1 2 3 4 5 6; do STRIDE_E2E_START_DAYS=$d pytest tests/e2e; done
START_OFFSET = float(os.environ.get("STRIDE_E2E_START_DAYS", "0")) * 86_400


def bots_now() -> dt.datetime:
    """What the bot's clock reads before a test moves it: the real time plus the start."""
    return bots_clock().now()


def bots_clock() -> ShiftedClock:
    """A clock reading what the bot's reads before a test moves it (for storage calls the
    test makes itself, such as creating an invite)."""
    return ShiftedClock(dt.timedelta(seconds=START_OFFSET))


async def set_clock(clock_file: Path, seconds: float) -> None:
    """Move the running bot's clock to `seconds` after the start (it reads STRIDE_CLOCK_FILE
    on every `now()`)."""
    await asyncio.to_thread(clock_file.write_text, str(START_OFFSET + seconds))


@dataclass
class BotProcess:
    env: dict[str, str]
    workdir: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"bot-{self.starts}.log"

    async def start(
        self, users: EmulatorClient, timeout: float = 90, args: tuple[str, ...] = ()
    ) -> None:
        self.starts += 1
        log = self.log_path.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            *args,
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        await self._ready(users, timeout, webhook="--webhook-url" in args)

    async def _ready(self, users: EmulatorClient, timeout: float, webhook: bool) -> None:
        """Ready once the bot polls for updates (or has registered its webhook)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise AssertionError(f"bot exited early:\n{self.log()}")
            if webhook and (await users.webhook())["webhook"].get("url"):
                return
            calls = (await users.stats()).get("methods", {})
            if not webhook and calls.get("getUpdates", 0) > self.polls_before:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"bot not ready in {timeout}s:\n{self.log()}")

    polls_before: int = 0

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-4000:] for p in sorted(self.workdir.glob("bot-*.log"))
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or a power cut."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    async def restart_after_kill(self, users: EmulatorClient, args: tuple[str, ...] = ()) -> None:
        self.kill()
        assert self.process is not None
        await self.process.wait()
        stats = await users.stats()
        calls = stats.get("methods", {})
        self.polls_before = calls.get("getUpdates", 0) if isinstance(calls, dict) else 0
        await self.start(users, args=args)


def bot_environment(
    api_base: str, database_url: str, clock_file: Path, **overrides: str
) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return {
        **keep,
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_API_URL": api_base,
        "DATABASE_URL": database_url,
        "SUPERVISOR_IDS": f"{SUPERVISOR},{SECOND_SUPERVISOR}",
        "BACKUP_SUPERVISOR_IDS": str(BACKUP_SUPERVISOR),
        "DEFAULT_COUNTRY": "US",
        "STRIDE_CLOCK_FILE": str(clock_file),
        "LOG_LEVEL": "INFO",
        **overrides,
    }


def buttons_of(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("text", "") for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Person:
    """A Telegram user in a private chat with the bot."""

    users: EmulatorClient
    user_id: int
    seen: int = 0
    # Buttons are pressed only on messages newer (or edited later) than the last action, so a
    # press never lands on the previous question while the bot is still answering.
    floor: int = 0
    transcript: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, text: str) -> None:
        message_id = await self.users.send_text(self.user_id, text)
        for message in await self.users.messages(self.user_id, include_user=True):
            if message["message_id"] == message_id and not message.get("by_bot"):
                self.floor = max(self.floor, int(message["seq"]))

    async def tap(self, label: str) -> None:
        """Tap a button of the reply keyboard under the input field (the contact button
        sends the user's own contact; "Not now" sends its text)."""
        outcome = await self.users.press_keyboard(self.user_id, label)
        self.floor = max(self.floor, int(outcome["message"]["seq"]))

    async def wait_for(
        self, fragment: str | tuple[str, ...], timeout: float = 15
    ) -> dict[str, Any]:
        """The next bot message (after those already seen) containing `fragment` (or one of
        several: a nudge's rotating texts)."""
        fragments = (fragment,) if isinstance(fragment, str) else fragment
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in await self.users.messages(self.user_id, after_id=self.seen):
                if not message.get("by_bot"):
                    continue
                self.transcript.append(message)
                self.seen = max(self.seen, int(message["message_id"]))
                text = message.get("text") or message.get("caption") or ""
                if any(f in text for f in fragments):
                    return message
            await asyncio.sleep(0.1)
        texts = [m.get("text", "")[:80] for m in self.transcript[-5:]]
        raise AssertionError(f"user {self.user_id}: no message with {fragment!r}; last: {texts}")

    async def press(self, label: str, timeout: float = 15) -> None:
        """Press the button `label` on the latest bot message that offers it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = await self.users.messages(self.user_id)
            for message in reversed(messages):
                fresh = int(message.get("seq", 0)) > self.floor
                if message.get("by_bot") and fresh and label in buttons_of(message):
                    self.floor = int(message["seq"])
                    await self.users.press(self.user_id, int(message["message_id"]), text=label)
                    return
            await asyncio.sleep(0.1)
        raise AssertionError(f"user {self.user_id}: no button {label!r}")
