"""The composition root: builds the python-telegram-bot Application and runs it.

Updates reach the handlers through the durable inbox (`bot.inbox`), never through PTB's
Updater or update queue: the inbox's dispatcher calls `process_update` once per stored row,
per patient in order, so no update processor is configured here. Polling and webhook modes
share everything but the transport. `post_init` registers the command menus and starts the
escalation relay; `post_shutdown` closes the database.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import Any

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot import groups, handlers, ops_server
from bot.alerts.relay import EscalationRelay
from bot.care import menu as care_menu
from bot.clock import Clock, clock_from_environment
from bot.config import Settings
from bot.inbox.serve import Webhook, serve
from bot.metrics import MeteredApplication
from bot.rate_limit import StrideRateLimiter
from bot.services import Services
from bot.storage import retention
from dialogs.commands import MENU_COMMANDS

log = logging.getLogger(__name__)
RELAY = "relay"
RELAY_TASK = "relay_task"


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
        .token(settings.require_token())
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url_for(settings.telegram_api_url))
        .rate_limiter(StrideRateLimiter())
        .updater(None)  # the inbox polls (bot.inbox.poller): offsets move only after commits
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[handlers.SERVICES] = services
    handlers.install(application)
    return application


async def _post_init(application: Application) -> None:
    services: Services = application.bot_data[handlers.SERVICES]
    relay = EscalationRelay(application.bot, services)
    application.bot_data[RELAY] = relay
    application.bot_data["wake_relay"] = relay.wake
    # A plain task (not Application.create_task, which warns before the app is running);
    # `_post_shutdown` stops it. Started first: pending alerts must not wait on anything else.
    application.bot_data[RELAY_TASK] = asyncio.get_running_loop().create_task(
        relay.run(), name="escalation-relay"
    )
    await ops_server.start_for(application, services)  # ops hook (issue 17): /healthz /metrics
    try:
        await register_commands(application, services)
        # care: each supervisor's own command menu, scoped to their chat (bot/care/menu.py)
        await care_menu.register(application.bot, services)
    except TelegramError as error:  # a missing menu must never stop the bot (and its alerts)
        log.error("could not register the command menu: %s", error)
    await groups.start(application, services)
    await retention.start(application, services)
    scheduler_start = _optional_scheduler()
    if scheduler_start is not None:
        await scheduler_start(application, services)


def _optional_scheduler() -> Any:
    try:
        module = importlib.import_module("bot.nudges.runner")
    except ImportError:
        return None
    return module.start


async def _post_shutdown(application: Application) -> None:
    await ops_server.stop_for(application)  # ops hook (issue 17)
    relay: EscalationRelay | None = application.bot_data.get(RELAY)
    if relay is not None:
        relay.stop()
        task: asyncio.Task[None] | None = application.bot_data.get(RELAY_TASK)
        if task is not None:
            await asyncio.wait([task], timeout=5)
    services: Services = application.bot_data[handlers.SERVICES]
    await services.store.close()


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


def run_polling(settings: Settings) -> None:
    """Long polling through the durable inbox (`bot.inbox`): confirmed only once stored."""
    application = build_application(settings)
    asyncio.run(serve(application, application.bot_data[handlers.SERVICES]))


def run_webhook(settings: Settings, url: str, host: str, port: int) -> None:
    """Webhook mode through the durable inbox: Telegram gets its 200 once the update is stored."""
    application = build_application(settings)
    webhook = Webhook(url, host, port, settings.require_webhook_secret())
    asyncio.run(serve(application, application.bot_data[handlers.SERVICES], webhook))
