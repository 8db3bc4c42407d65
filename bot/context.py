"""A typed context for the composition root: `context.services` instead of string keys.

python-telegram-bot builds `bot_data` by calling its type with no arguments, so `BotData`
has defaults and the root fills it in after `build()`; handlers then read typed attributes
(`context.services`, `context.bot_data.workers`) rather than `bot_data["stride"]`. Wiring
(issue 11's composition root, `bot/app.py`):

    application = ApplicationBuilder().context_types(CONTEXT_TYPES)...build()
    application.bot_data.services = services
    application.bot_data.workers.add(OpsServer(...))      # bot.workers.Worker
    application.bot_data.workers.add(Leader(relay_worker, LeaderLock(engine, "relay")))
    # post_init: await application.bot_data.workers.start()
    # post_shutdown: await application.bot_data.workers.stop()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.services import Services
from bot.workers import Workers


@dataclass
class BotData:
    """Everything long-lived the handlers may reach, typed."""

    services_: Services | None = None
    workers: Workers = field(default_factory=Workers)
    wake_relay: Callable[[], None] | None = None

    @property
    def services(self) -> Services:
        if self.services_ is None:
            raise RuntimeError("bot_data.services is set by the composition root at start")
        return self.services_

    @services.setter
    def services(self, services: Services) -> None:
        self.services_ = services


class StrideContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every handler gets: `context.services` is the application's `Services`."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


CONTEXT_TYPES: ContextTypes[StrideContext, dict[Any, Any], dict[Any, Any], BotData] = ContextTypes(
    context=StrideContext, bot_data=BotData
)
