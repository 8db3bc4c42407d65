"""The composition root: builds the python-telegram-bot Application and runs it.

Updates reach the handlers through the durable inbox (`bot.inbox`), never through PTB's
Updater or update queue: the inbox's dispatcher calls `process_update` once per stored row,
per patient in order, so no update processor is configured here. Polling and webhook modes
share everything but the transport.

Handlers get a typed context (`bot.context`: `context.services`, `context.bot_data.workers`)
instead of string keys in `bot_data`. Everything long-running is a `Worker` (bot.workers),
started in this order by `post_init` and stopped in reverse by `post_shutdown`, which the
inbox's `serve` calls after the dispatcher has finished the updates in flight (SIGTERM):

1. the escalation relay (first: pending alerts must not wait on anything else) — in every
   replica: each delivery is claimed with a lease and each timer step re-reads its
   escalation under a row lock, so replicas never double an alert;
2. the ops server (/healthz with every worker's health, /metrics) — in every replica: each
   answers for itself;
3. the group runner — in every replica: it plans under a row lock and claims what it posts in
   the same transaction, and its wake-up belongs to the replica that noted the session;
4. retention — behind the leader lock "retention": idempotent, but one replica's pruning
   is enough and two only contend for the same rows;
5. scheduled nudges — behind the leader lock "nudges": slots are leased, so nothing would be
   sent twice, but each runner paces itself just under Telegram's 30 messages/s per token,
   so two would exceed it together.

The leader lock is PostgreSQL's advisory lock (`bot.workers.Leader`); on SQLite there is one
process per file, which always leads. The command menus are registered after the workers
start, best effort.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot import handlers
from bot.alerts.relay import EscalationRelay
from bot.alerts.worker import RelayWorker
from bot.care import menu as care_menu
from bot.clock import Clock, clock_from_environment
from bot.config import Settings
from bot.context import CONTEXT_TYPES, BotData
from bot.groups import menu as group_menu
from bot.groups.runner import GroupsWorker
from bot.inbox.serve import Webhook, serve
from bot.metrics import MeteredApplication
from bot.nudges.runner import NudgeWorker
from bot.ops_server import OpsServer
from bot.rate_limit import StrideRateLimiter
from bot.services import Services
from bot.storage.retention import RetentionWorker
from bot.workers import Leader, LeaderLock, Workers
from dialogs.commands import MENU_COMMANDS

log = logging.getLogger(__name__)


def file_url_for(api_url: str) -> str:
    """Telegram serves files under /file/bot<token>; follow a custom Bot API server."""
    base = api_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def build_application(
    settings: Settings, clock: Clock | None = None, services: Services | None = None
) -> Application:
    services = services or Services.build(settings, clock or clock_from_environment())
    application = (
        ApplicationBuilder()
        .application_class(MeteredApplication)  # ops hook (issue 17): update count + latency
        .context_types(CONTEXT_TYPES)
        .token(settings.require_token())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url_for(settings.telegram_api_url))
        .rate_limiter(StrideRateLimiter())
        .updater(None)  # the inbox polls (bot.inbox.poller): offsets move only after commits
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    bot_data: BotData = application.bot_data
    bot_data.services = services
    relay = EscalationRelay(application.bot, services)
    bot_data.wake_relay = relay.wake
    bot_data.workers = build_workers(application, services, relay)
    handlers.install(application)
    return application


def build_workers(application: Application, services: Services, relay: EscalationRelay) -> Workers:
    """The workers in start order (see the module docstring for who runs where, and why)."""
    settings, engine = services.settings, services.store.engine
    workers = Workers([RelayWorker(relay)])
    if settings.metrics_port is not None:
        workers.add(
            OpsServer(
                services.store,
                services.clock,
                settings.metrics_host,
                settings.metrics_port,
                workers_health=lambda: workers.health(),
            )
        )
    workers.add(GroupsWorker(application, services))
    workers.add(
        Leader(RetentionWorker(application.job_queue, services), LeaderLock(engine, "retention"))
    )
    workers.add(Leader(NudgeWorker(application, services), LeaderLock(engine, "nudges")))
    return workers


async def _post_init(application: Application) -> None:
    bot_data: BotData = application.bot_data
    await bot_data.workers.start()
    services = bot_data.services
    try:
        await register_commands(application, services)
        # care: each supervisor's own command menu, scoped to their chat (bot/care/menu.py)
        await care_menu.register(application.bot, services)
        await group_menu.register(application, services)
    except TelegramError as error:  # a missing menu must never stop the bot (and its alerts)
        log.error("could not register the command menu: %s", error)


async def _post_shutdown(application: Application) -> None:
    bot_data: BotData = application.bot_data
    await bot_data.workers.stop()  # in reverse: the relay last, after the nudges and groups
    await bot_data.services.store.close()


async def register_commands(application: Application, services: Services) -> None:
    """The command menu in every shipped language (setMyCommands with language_code)."""
    texts = services.content.texts
    for language in texts.languages:
        commands = [
            BotCommand(name, texts.get(language, f"menu.{name}")[:256]) for name in MENU_COMMANDS
        ]
        code = None if language == services.settings.default_language else language
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=code
        )


def freeze_start_up_objects() -> None:
    """Take what start-up built out of the cyclic garbage collector's view.

    Content, compiled statements and patterns, the libraries' modules and the Application
    live as long as the process: some 200,000 objects that every full collection walked
    again. And an update's objects mostly die by reference counting within milliseconds, so
    the youngest generation is collected every 7,000 net allocations instead of 700: fewer
    collections, each finding less alive. Measured with the collector's callbacks in one
    100-patient run each, 0.61 → 0.39 s of the process's 9.5 s of CPU (issue 17,
    `docs/benchmarks.md`). Collected first, so no garbage is kept for good; only for a
    process's entry point, as everything alive now is kept for the process's life."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 10, 10)


def run_polling(settings: Settings) -> None:
    """Long polling through the durable inbox (`bot.inbox`): confirmed only once stored."""
    application = build_application(settings)
    services = application.bot_data.services
    asyncio.run(serve(application, services, on_started=freeze_start_up_objects))


def run_webhook(settings: Settings, url: str, host: str, port: int) -> None:
    """Webhook mode through the durable inbox: Telegram gets its 200 once the update is stored."""
    application = build_application(settings)
    webhook = Webhook(url, host, port, settings.require_webhook_secret())
    services = application.bot_data.services
    asyncio.run(serve(application, services, webhook, on_started=freeze_start_up_objects))
