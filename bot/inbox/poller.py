"""Stride's own getUpdates loop: the offset moves only after the updates are committed.

python-telegram-bot's `Updater` raises the offset as soon as updates are queued, so the next
long poll confirms them before any handler ran. Here the next request carries
`offset = last stored id + 1` only once `Intake.commit` has committed the batch; while the
database is down the loop waits on the insert, confirms nothing, and Telegram keeps the
updates. Raw JSON is stored as received, so an update the library cannot parse is kept (and
skipped by the dispatcher) instead of stopping the loop.

Never spins: an error, or an empty answer that came back at once, waits before polling again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from typing import Any

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import ExtBot

from bot.inbox.intake import Intake
from bot.inbox.transient import backoff_seconds

log = logging.getLogger(__name__)
# getUpdates goes through do_api_request on purpose: the raw JSON is what gets stored.
RAW_ON_PURPOSE = r".*do_api_request\(\"getUpdates"

LONG_POLL_SECONDS = 10
BATCH = 100
MIN_POLL_INTERVAL = 0.2  # an empty answer sooner than this is not a long poll: slow down


class Poller:
    def __init__(self, bot: ExtBot[Any], intake: Intake, timeout: int = LONG_POLL_SECONDS) -> None:
        self.bot = bot
        self.intake = intake
        self.timeout = timeout
        self.offset: int | None = None
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.intake.stopping = True

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    async def fetch(self) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "timeout": self.timeout,
            "limit": BATCH,
            "allowed_updates": list(Update.ALL_TYPES),
        }
        if self.offset is not None:
            kwargs["offset"] = self.offset
        with warnings.catch_warnings():  # only PTB's "use Bot.getUpdates" hint is silenced
            warnings.filterwarnings("ignore", message=RAW_ON_PURPOSE, category=UserWarning)
            result = await self.bot.do_api_request(
                "getUpdates", api_kwargs=kwargs, read_timeout=self.timeout + 10
            )
        return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []

    async def run(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        failures = 0
        while not self._stopped.is_set():
            started = time.monotonic()
            try:
                updates = await self.fetch()
            except InvalidToken:
                log.critical("Telegram refused the bot token: polling stopped")
                raise
            except Exception as error:
                log.warning("getUpdates failed (%s); retrying", type(error).__name__)
                await self._pause(backoff_seconds(failures, cap=15.0))
                failures += 1
                continue
            failures = 0
            if not updates:
                if time.monotonic() - started < MIN_POLL_INTERVAL:
                    await self._pause(MIN_POLL_INTERVAL)
                continue
            if not await self.intake.commit(updates):
                return  # stopping before the batch was stored: nothing confirmed, nothing lost
            ids = [u["update_id"] for u in updates if isinstance(u.get("update_id"), int)]
            if ids:
                self.offset = max(ids) + 1
