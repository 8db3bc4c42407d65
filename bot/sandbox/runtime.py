"""Starts the whole sandbox in one asyncio loop: emulator, real bot, web page; stops it cleanly.

Why one loop: the bot, the emulator and the page share the injected clock object, so the
clock buttons move the very clock the bot's handlers, relay and nudges read. The bot is the
production Application from `bot.app.build_application`, run the way `run_polling` runs it
(initialize, post_init, polling, start) but without owning the loop.
"""

from __future__ import annotations

import datetime as dt
import socket
import warnings
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.app import build_application
from bot.clock import ShiftedClock
from bot.config import Settings, load_settings
from bot.context import bot_data_of
from bot.emulator import EmulatorClient, EmulatorServer
from bot.emulator.core import DEFAULT_TOKEN
from bot.inbox.runner import InboxRun
from bot.sandbox.cast import Cast
from bot.sandbox.clock_control import ClockControl
from bot.sandbox.events import EventHub
from bot.sandbox.memory import MEMORY_FILE, SandboxMemory
from bot.sandbox.views import BOT_NAME, MESSAGE_EVENTS, page_message
from bot.sandbox.web import SandboxContext, create_web_app
from bot.services import Services
from bot.storage.migrate import upgrade_to_head

DATABASE_FILE = "stride-sandbox.db"
# How far the clock buttons moved time, kept beside the database: the stored records were
# written at sandbox time, and Stride's time never runs backwards, across restarts too.
CLOCK_FILE = "stride-sandbox.clock"
HOST = "127.0.0.1"
# Settings the sandbox keeps from the operator's environment; the rest is its own.
KEPT = {
    "DEFAULT_COUNTRY": "default_country",
    "DEFAULT_TIMEZONE": "default_timezone",
    "DEFAULT_LANGUAGE": "default_language",
    "ESCALATION_ACK_SECONDS": "escalation_ack_seconds",
    "ESCALATION_RESOLVE_SECONDS": "escalation_resolve_seconds",
    "LOG_LEVEL": "log_level",
}


def sandbox_settings(
    base: Settings, api_base: str, database_url: str, supervisor: int
) -> Settings:
    """The bot's settings in the sandbox: never the operator's token, database or people."""
    env = {name: str(getattr(base, attribute)) for name, attribute in KEPT.items()}
    env["CONTENT_DIR"] = str(base.content_dir)
    env.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_URL=api_base,
        DATABASE_URL=database_url,
        SUPERVISOR_IDS=str(supervisor),
    )
    return load_settings(env)


@dataclass
class Sandbox:
    url: str
    emulator_url: str
    database: Path
    clock: ShiftedClock
    cast: Cast
    application: Application
    memory: SandboxMemory
    _stack: AsyncExitStack = field(repr=False)

    async def stop(self) -> None:
        await self._stack.aclose()


async def start_sandbox(
    directory: Path, port: int = 0, *, settings: Settings | None = None
) -> Sandbox:
    """Start everything on 127.0.0.1 (port 0: any free port); `await sandbox.stop()` ends it.

    The SQLite database is `directory / stride-sandbox.db`, created and migrated if needed.
    """
    base = settings or load_settings({})
    listener = reserve_port(port)  # first: a port in use fails at once, before anything runs
    database = (Path(directory) / DATABASE_FILE).resolve()
    database_url = f"sqlite+aiosqlite:///{database}"
    clock_file = Path(directory) / CLOCK_FILE
    earlier_run = database.exists()
    clock = ShiftedClock(saved_offset(clock_file) if earlier_run else dt.timedelta(0))
    memory_file = Path(directory) / MEMORY_FILE
    memory = SandboxMemory.load(memory_file) if earlier_run else SandboxMemory(memory_file)
    stack = AsyncExitStack()
    stack.callback(listener.close)
    try:
        await upgrade_to_head(database_url)
        # Message dates follow the sandbox clock, so the page shows sandbox time.
        emulator = EmulatorServer(
            limits=True, validate=True, clock=lambda: clock.now().timestamp()
        )
        await emulator.start(HOST, 0)
        stack.push_async_callback(emulator.stop)
        client = EmulatorClient(emulator.url)
        stack.push_async_callback(client.close)

        cast = Cast(client, memory)
        bot_settings = sandbox_settings(
            base, emulator.bot_api_base, database_url, cast.supervisor.id
        )
        services = Services.build(bot_settings, clock)
        await cast.populate(services.store, clock.now())
        world = emulator.emulator.world
        memory.restore_numbering(world)  # before the bot polls: no update id is reused
        stack.callback(memory.note, world)
        application = build_application(bot_settings, clock, services)
        await _start_bot(application, stack)

        def adapt(kind: str, data: dict[str, Any]) -> dict[str, Any]:
            memory.note(world)  # the numbering moved: remember it
            return _for_page(cast, kind, data)

        hub = EventHub(client, adapt)
        control = ClockControl(
            clock,
            application,
            services,
            lambda now: _moved(hub, clock, clock_file),
        )
        context = SandboxContext(client, cast, control, hub, database)
        hub.start()
        stack.push_async_callback(hub.close)
        url = await _start_web(context, listener, stack)
    except BaseException:
        await stack.aclose()
        raise
    return Sandbox(url, emulator.url, database, clock, cast, application, memory, stack)


def reserve_port(port: int) -> socket.socket:
    """The page's listening socket on 127.0.0.1 (port 0: any free one); OSError if taken."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, port))
    except OSError:
        listener.close()
        raise
    return listener


def saved_offset(path: Path) -> dt.timedelta:
    """The clock offset an earlier run saved (none, or unreadable: no offset)."""
    try:
        return dt.timedelta(seconds=max(float(path.read_text(encoding="utf-8")), 0.0))
    except (OSError, ValueError):
        return dt.timedelta(0)


def _moved(hub: EventHub, clock: ShiftedClock, clock_file: Path) -> None:
    clock_file.write_text(str(clock.offset.total_seconds()), encoding="utf-8")
    hub.publish("clock", {"now": clock.now().isoformat()})


def _for_page(cast: Cast, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return page_message(data, cast.names, BOT_NAME) if kind in MESSAGE_EVENTS else data


async def _start_bot(application: Application, stack: AsyncExitStack) -> None:
    await application.initialize()
    stack.push_async_callback(_shutdown_bot, application)
    if application.post_init is not None:
        with warnings.catch_warnings():
            # post_init starts the relay before the Application runs, as under run_polling;
            # PTB warns it will not await that task: _shutdown_bot stops and awaits it.
            warnings.filterwarnings("ignore", "Tasks created via", PTBUserWarning)
            await application.post_init(application)
    await application.start()
    # Updates come through the durable inbox, as under `stride run` (bot.inbox).
    inbox = InboxRun(application, bot_data_of(application).services)
    await inbox.start()
    stack.push_async_callback(inbox.stop)  # before the bot's shutdown (pushed earlier)


async def _shutdown_bot(application: Application) -> None:
    """`serve`'s shutdown order (the inbox has stopped): the workers stop in reverse in
    `post_shutdown` (the relay last) while the bot can still send, then the bot shuts down."""
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    await application.shutdown()


async def _start_web(
    context: SandboxContext, listener: socket.socket, stack: AsyncExitStack
) -> str:
    app = create_web_app(context)

    async def end_streams(_app: web.Application) -> None:
        await context.hub.close()  # open event streams would hold the shutdown otherwise

    app.on_shutdown.append(end_streams)
    runner = web.AppRunner(app, shutdown_timeout=2.0, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.SockSite(runner, listener)
    await site.start()
    bound = int(listener.getsockname()[1])
    return f"http://{HOST}:{bound}"
