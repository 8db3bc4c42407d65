"""Spaces nudge sends below Telegram's overall limit, leaving room for replies.

Telegram allows about 30 messages a second per bot; PTB's AIORateLimiter (bot/rate_limit.py)
enforces that for every request. Nudges are paced here, *before* the limiter, at a little less
(`DEFAULT_RATE`), with few requests in flight (`IN_FLIGHT`). So the limiter never holds a queue
of nudges: a conversation reply or a safety message arriving during a morning fan-out waits
behind at most a handful of in-flight nudges, never behind thousands, and the unused part of
the budget absorbs replies. Safety messages also skip the per-chat limiter (SAFETY_RETRIES);
nudges never do.

The pace allows a small catch-up (`BURST` messages) after a stall (a slow database write, a
garbage collection), far inside the 30-message burst Telegram's flood control tolerates, so
the pace holds on average without ever approaching the limit: no 429 answers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

DEFAULT_RATE = 29.0  # messages per second, of Telegram's 30
IN_FLIGHT = 8  # nudges sending at once: enough to hide latency, few enough to queue nothing
BURST = 5


class Pacer:
    def __init__(
        self,
        per_second: float = DEFAULT_RATE,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0:
            raise ValueError("the pace must be positive")
        self.interval = 1.0 / per_second
        self._slack = burst * self.interval
        self._clock = clock
        self._next = -float("inf")

    async def wait(self, messages: int = 1) -> None:
        """Return when `messages` more may go; reservations are taken in call order."""
        now = self._clock()
        start = max(self._next, now - self._slack)
        self._next = start + self.interval * messages
        if start > now:
            await asyncio.sleep(start - now)
