"""The escalation relay as a `Worker` (bot.workers): a task of its own, stopped gracefully.

It runs in every replica, never behind the leader lock: each alert delivery is claimed with
a lease (`bot.alerts.claims`) and each timer step re-reads its escalation under a row lock,
so two replicas never send one alert twice, and a pending alert never waits for an election.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.alerts.relay import EscalationRelay
from bot.workers import Health

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 5.0


class RelayWorker:
    name = "escalation relay"

    def __init__(self, relay: EscalationRelay) -> None:
        self.relay = relay
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # A plain task (not Application.create_task, which warns before the app is running).
        self.relay.resume()
        self._task = asyncio.get_running_loop().create_task(
            self.relay.run(), name="escalation-relay"
        )

    async def stop(self) -> None:
        """Lets the tick in progress finish (an alert being sent is sent and recorded)."""
        self.relay.stop()
        task, self._task = self._task, None
        if task is None:
            return
        done, _ = await asyncio.wait([task], timeout=STOP_TIMEOUT_S)
        if not done:
            log.warning("escalation relay did not stop in %s s; cancelled", STOP_TIMEOUT_S)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def health(self) -> Health:
        task = self._task
        if task is None:
            return Health(False, "not running")
        if task.done():
            error = None if task.cancelled() else task.exception()
            return Health(False, f"stopped ({type(error).__name__})" if error else "stopped")
        return Health(True, "running")
