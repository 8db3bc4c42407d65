"""The inbox's moving parts for an Application someone else runs (the sandbox).

`serve` runs a whole process; the sandbox runs the Application inside its own event loop
next to the emulator and the page, and starts only this: the dispatcher, then the
getUpdates loop, both stopped (in reverse) by `stop`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application

from bot.inbox.intake import Intake, bot_id_of
from bot.inbox.poller import Poller
from bot.inbox.replies import sweep_forever
from bot.inbox.serve import make_dispatcher, release_dead_leases, send_unsent_replies
from bot.services import Services


class InboxRun:
    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], services: Services
    ) -> None:
        self.intake = Intake(
            services.store, services.clock, bot_id_of(application.bot.token), services.deps.risk
        )
        self.dispatcher = make_dispatcher(application, services)
        self.dispatcher.attach(self.intake)
        self.poller = Poller(application.bot, self.intake)
        self.services = services
        self.application = application
        self._stopped = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await release_dead_leases(self.services)
        await send_unsent_replies(self.services, self.application)
        loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        self._tasks = [
            loop.create_task(
                sweep_forever(self.services, self.application.bot, self._stopped),
                name="reply-sweeper",
            ),
            loop.create_task(self.dispatcher.run(), name="inbox-dispatcher"),
            loop.create_task(self.poller.run(), name="inbox-poller"),
        ]

    async def stop(self) -> None:
        self._stopped.set()
        self.poller.stop()
        self.dispatcher.stop()
        await self.dispatcher.drain_all(5.0)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
