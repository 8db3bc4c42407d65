"""Live updates for the page: the emulator's event stream, re-emitted with the sandbox's own.

Why: the browser should see a bot message the moment the bot sends it (an alert arriving
while you play the patient is the point of the demo). One upstream subscription to the
emulator's `/control/events` feeds every open page; the sandbox adds clock and cast events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.emulator import EmulatorClient

log = logging.getLogger(__name__)

# What the page draws; the rest of the emulator's events (updates, stats) stay internal.
FORWARDED = frozenset(
    {
        "bot_message",
        "bot_edit",
        "bot_delete",
        "user_message",
        "user_edit",
        "callback_answer",
        "chat_action",
        "commands",
        "member",
    }
)
QUEUE_LIMIT = 1000

Adapt = Callable[[str, dict[str, Any]], dict[str, Any]]


def sse_chunk(kind: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False)
    return f"event: {kind}\ndata: {payload}\n\n".encode()


class EventHub:
    def __init__(self, client: EmulatorClient, adapt: Adapt) -> None:
        self.client = client
        self.adapt = adapt
        self._subscribers: set[asyncio.Queue[bytes | None]] = set()
        self._pump: asyncio.Task[None] | None = None
        self._last_seq = 0  # from the emulator's first event: nothing is missed at start

    def subscribe(self) -> asyncio.Queue[bytes | None]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_LIMIT)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._subscribers.discard(queue)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        chunk = sse_chunk(kind, data)
        for queue in list(self._subscribers):
            if queue.full():  # a page that stopped reading: end its stream; it reconnects
                self._subscribers.discard(queue)
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)
                continue
            queue.put_nowait(chunk)

    def start(self) -> None:
        self._pump = asyncio.create_task(self._run(), name="sandbox-events")

    async def close(self) -> None:
        """End every page's stream (so the web server can stop) and the upstream one."""
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        self._subscribers.clear()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None

    async def _run(self) -> None:
        while True:
            try:
                await self._follow()
            except (aiohttp.ClientError, ValueError) as error:
                log.warning("emulator event stream interrupted (%s); reconnecting", error)
            await asyncio.sleep(0.5)

    async def _follow(self) -> None:
        async for kind, data in self.client.events(after=self._last_seq):
            self._last_seq = int(data.get("seq", self._last_seq))
            if kind in FORWARDED:
                self.publish(kind, self.adapt(kind, data))
