"""The world one fault run happens in: an emulator, a database, the bot as a subprocess.

Kept in `bot/` (not `tests/`) because `stride bench faults` runs the same scenarios as the
tests, thirty times over; it is test tooling, never imported by the running bot.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from bot.emulator import EmulatorClient, EmulatorServer
from bot.emulator.core import DEFAULT_TOKEN
from bot.storage.repository import Store

SUPERVISOR = 900001
SECOND_SUPERVISOR = 900002
BACKUP_SUPERVISOR = 900003
SUPERVISORS = (SUPERVISOR, SECOND_SUPERVISOR)


def buttons_of(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("text", "") for row in markup.get("inline_keyboard", []) for b in row]


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


@dataclass
class BotRun:
    """One `python -m bot run` process (restartable), logging into `workdir`."""

    env: dict[str, str]
    workdir: Path
    name: str = "bot"
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    def log_path(self, start: int | None = None) -> Path:
        return self.workdir / f"{self.name}-{self.starts if start is None else start}.log"

    async def start(self, users: EmulatorClient, within: float = 90) -> None:
        self.starts += 1
        calls = (await users.stats()).get("methods", {})
        before = calls.get("getUpdates", 0) if isinstance(calls, dict) else 0
        with self.log_path().open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.returncode is not None:
                raise AssertionError(f"bot exited early:\n{self.log()}")
            calls = (await users.stats()).get("methods", {})
            if isinstance(calls, dict) and calls.get("getUpdates", 0) > before:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"bot not ready in {within}s:\n{self.log()}")

    def log(self, tail: int = 4000) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-tail:]
            for p in sorted(self.workdir.glob(f"{self.name}-*.log"))
        )

    def full_log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.workdir.glob(f"{self.name}-*.log"))
        )

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or a power cut."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            await self.kill()


@dataclass
class Person:
    """A Telegram user in a private chat with the bot."""

    users: EmulatorClient
    user_id: int
    seen: int = 0
    floor: int = 0
    transcript: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, text: str) -> None:
        message_id = await self.users.send_text(self.user_id, text)
        for message in await self.users.messages(self.user_id, include_user=True):
            if message["message_id"] == message_id and not message.get("by_bot"):
                self.floor = max(self.floor, int(message["seq"]))

    async def wait_for(self, fragment: str, within: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for message in await self.users.messages(self.user_id, after_id=self.seen):
                if not message.get("by_bot"):
                    continue
                self.transcript.append(message)
                self.seen = max(self.seen, int(message["message_id"]))
                if fragment in text_of(message):
                    return message
            await asyncio.sleep(0.1)
        raise AssertionError(f"user {self.user_id}: no message with {fragment!r}")

    async def press(self, label: str, within: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for message in reversed(await self.users.messages(self.user_id)):
                fresh = int(message.get("seq", 0)) > self.floor
                if message.get("by_bot") and fresh and label in buttons_of(message):
                    self.floor = int(message["seq"])
                    return await self.users.press(
                        self.user_id, int(message["message_id"]), text=label
                    )
            await asyncio.sleep(0.1)
        raise AssertionError(f"user {self.user_id}: no button {label!r}")

    async def bot_messages(self, fragment: str) -> list[dict[str, Any]]:
        return [
            m
            for m in await self.users.messages(self.user_id)
            if m.get("by_bot") and fragment in text_of(m)
        ]


async def reach_item9(person: Person) -> None:
    await person.send("/start")
    await person.wait_for("not an emergency service")
    await person.press("I agree")
    await person.wait_for("Where are you")  # the timezone comes first: it sets the helplines
    await person.press("New York")
    await person.wait_for("Question 1 of 9")
    for number in range(2, 10):
        await person.press("Not at all")
        await person.wait_for(f"Question {number} of 9")


async def bot_texts(users: EmulatorClient, chat_id: int, fragment: str) -> list[dict[str, Any]]:
    return [m for m in await users.messages(chat_id) if m.get("by_bot") and fragment in text_of(m)]


@asynccontextmanager
async def postgres_database(server_url: str) -> AsyncIterator[str]:
    """A fresh, uniquely named database next to `server_url`'s (dropped afterwards)."""
    server = make_url(server_url)
    name = f"stride_fault_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(
        server.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@dataclass
class World:
    """Everything one run needs; `bot()` makes a bot process (tests may make two)."""

    emulator: EmulatorServer
    users: EmulatorClient
    database_url: str
    workdir: Path
    clock_file: Path
    bots: list[BotRun] = field(default_factory=list)

    @property
    def backend(self) -> str:
        return make_url(self.database_url).get_backend_name()

    def environment(self, database_url: str | None = None, **overrides: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
        return {
            **keep,
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_URL": self.emulator.bot_api_base,
            "DATABASE_URL": database_url or self.database_url,
            "SUPERVISOR_IDS": ",".join(str(s) for s in SUPERVISORS),
            "BACKUP_SUPERVISOR_IDS": str(BACKUP_SUPERVISOR),
            "DEFAULT_COUNTRY": "US",
            "STRIDE_CLOCK_FILE": str(self.clock_file),
            "LOG_LEVEL": "INFO",
            **overrides,
        }

    def bot(self, name: str = "bot", database_url: str | None = None, **env: str) -> BotRun:
        run = BotRun(self.environment(database_url, **env), self.workdir, name)
        self.bots.append(run)
        return run

    def store(self) -> Store:
        return Store.from_url(self.database_url)

    async def person(self, user_id: int, name: str = "Pat") -> Person:
        await self.users.create_user(user_id, name, language_code="en")
        return Person(self.users, user_id)


async def _kill_all(here: World) -> None:
    """A run that broke down must not leave its bots behind."""
    for run in here.bots:
        await run.kill()


@asynccontextmanager
async def world(
    backend: str, postgres_url: str | None = None, workdir: Path | None = None
) -> AsyncIterator[World]:
    """An emulator with three supervisors, and an empty database of `backend`."""
    with tempfile.TemporaryDirectory(prefix="stride-fault-") as scratch:
        folder = workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        clock_file = folder / "clock-offset"
        clock_file.write_text("0")
        server = EmulatorServer(limits=True, validate=True)
        await server.start()
        users = EmulatorClient(server.url)
        try:
            for user_id, name in (
                (SUPERVISOR, "Sup One"),
                (SECOND_SUPERVISOR, "Sup Two"),
                (BACKUP_SUPERVISOR, "Backup"),
            ):
                await users.create_user(user_id, name, language_code="en")
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{folder / f'stride-{uuid.uuid4().hex[:8]}.db'}"
                here = World(server, users, url, folder, clock_file)
                try:
                    yield here
                finally:
                    await _kill_all(here)
            else:
                if not postgres_url:
                    raise ValueError("a PostgreSQL server URL is needed (TEST_POSTGRES_URL)")
                async with postgres_database(postgres_url) as url:
                    here = World(server, users, url, folder, clock_file)
                    try:
                        yield here
                    finally:
                        await _kill_all(here)
        finally:
            await users.close()
            await server.stop()
