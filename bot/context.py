"""A typed context for the composition root: `context.services` instead of string keys.

python-telegram-bot builds `bot_data` by calling its type with no arguments, so `BotData`
has defaults and the root fills it in after `build()`; handlers then read typed attributes
(`context.services`, `context.bot_data.workers`) rather than `bot_data["stride"]`. Wiring
(issue 11's composition root, `bot/app.py`):

    application = ApplicationBuilder().context_types(CONTEXT_TYPES)...build()
    application.bot_data.services = services
    application.bot_data.workers.add(OpsServer(...))      # bot.workers.Worker
    application.bot_data.workers.add(Leader(NudgeWorker(...), LeaderLock(engine, "nudges")))
    # post_init: await application.bot_data.workers.start()
    # post_shutdown: await application.bot_data.workers.stop()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.services import Services
from bot.workers import Workers

if TYPE_CHECKING:
    from bot.nudges.runner import NudgeRunner


@dataclass
class BotData:
    """Everything long-lived the handlers may reach, typed."""

    services_: Services | None = None
    workers: Workers = field(default_factory=Workers)
    wake_relay: Callable[[], None] | None = None
    nudges: NudgeRunner | None = (
        None  # this replica's runner while it leads (the sandbox ticks it)
    )

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


def bot_data_of(application: Application[Any, Any, Any, Any, Any, Any]) -> BotData:
    """The typed `bot_data` of an Application built by the composition root."""
    data = application.bot_data
    if not isinstance(data, BotData):
        raise RuntimeError("the Application was built without bot.context.CONTEXT_TYPES")
    return data


def services_of(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    return bot_data_of(context.application).services


def wake_relay(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Alerts were just committed: the relay sends them now rather than at its next poll."""
    data = application.bot_data
    wake = data.wake_relay if isinstance(data, BotData) else None
    if wake is not None:
        wake()
