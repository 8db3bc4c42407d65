"""One limiter for every message Stride sends: replies, alerts, nudges and group posts.

PTB's `AIORateLimiter` limits overall (30/s) and per group (20/min) only, in arrival order,
and counts edits and other calls that Telegram does not count. Stride needs more, so this
subclass keeps its interface (the application builder's `.rate_limiter(...)`, `initialize`,
`shutdown`, `process_request`) and replaces the pacing with priority token buckets:

- **overall** a little under Telegram's ~30 messages/s, so jitter never earns a 429;
- **per private chat** about 1 message/s with a short burst (PTB has no such limit);
- **per group** 20 messages/minute;
- **priority**: waiters are served safety first, then replies, then bulk (nudges), in
  arrival order within a class. `rate_limit_args` carries the class as a retry count, the
  only per-call argument PTB passes through: `SAFETY_RETRIES` for crisis replies and alerts,
  `BULK_RETRIES` for nudges, nothing for ordinary replies. A safety message to a private
  chat goes at once while the chat is within the burst Telegram tolerates (it may borrow
  `SAFETY_BORROW` tokens beyond Stride's own allowance), and otherwise first in that chat's
  queue: sending it anyway would earn a 429, and a 429's `retry_after` would hold it, and
  every other message, longer than the wait (seen in `stride bench load`: 17 × 429 at 400
  patients when crisis messages skipped the per-chat limit outright);
- **every `retry_after` honoured**: a 429 pauses every send for `retry_after` seconds (as
  PTB does; Telegram does not say which limit was hit) and the request is retried;
- only calls that deliver a new message take a token (`send*` but `sendChatAction`, `copy*`,
  `forward*`): edits and callback answers pass, as Telegram counts them.

Per-chat buckets are evicted once idle and full, so memory stays bounded by active chats.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from bot import metrics

log = logging.getLogger(__name__)

# Rates a little under Telegram's and bursts well under what it tolerates: a token is taken
# when the request leaves, but Telegram counts it when it arrives, and arrivals jitter by
# tens of milliseconds under load. The unused burst is the margin that absorbs the jitter.
OVERALL_RATE = 29.0  # messages/s; Telegram's ~30 less a margin
OVERALL_BURST = 20.0
PRIVATE_CHAT_RATE = 0.95  # a little stricter than Telegram's ~1 message/s per chat
PRIVATE_CHAT_BURST = 2
GROUP_RATE = 19 / 60  # Telegram's 20/minute less a margin
GROUP_BURST = 3
MAX_IDLE_BUCKETS = 1024

SAFETY_BORROW = 1.0  # tokens a safety message may borrow from a private chat's future
SAFETY_RETRIES = 10
BULK_RETRIES = 2
DEFAULT_RETRIES = 3

SAFETY, REPLY, BULK = 0, 1, 2
_COUNTED_EXTRA = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})

Result = bool | dict[str, Any] | list[dict[str, Any]]


def is_counted(endpoint: str) -> bool:
    """True for calls that deliver a new message, the ones Telegram's limits count."""
    if endpoint == "sendChatAction":
        return False
    return endpoint.startswith("send") or endpoint in _COUNTED_EXTRA


def priority_of(rate_limit_args: int | None) -> int:
    if rate_limit_args == SAFETY_RETRIES:
        return SAFETY
    if rate_limit_args == BULK_RETRIES:
        return BULK
    return REPLY


class PriorityBucket:
    """A token bucket whose waiters are served by (priority, arrival).

    One timer per bucket wakes the head waiter when the next token is due, so a thousand
    waiting sends cost a heap, not a thousand polling tasks.
    """

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._updated = time.monotonic()
        self._paused_until = 0.0
        # (priority, arrival, future, tokens the waiter needs left after it: 1, or less for
        # a safety message allowed to borrow)
        self._waiters: list[tuple[int, int, asyncio.Future[None], float]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _refill(self, now: float) -> None:
        start = max(self._updated, self._paused_until)
        if now > start:
            self._tokens = min(self.capacity, self._tokens + (now - start) * self.rate)
        self._updated = max(now, self._updated)

    @property
    def idle(self) -> bool:
        """Full and nobody waiting: forgetting it changes nothing."""
        self._refill(time.monotonic())
        return not self._waiters and self._tokens >= self.capacity

    def borrow(self, limit: float) -> bool:
        """Spend a token now if that leaves at least `-limit` (safety messages); later sends
        wait longer. False when the chat is past what may be borrowed."""
        now = time.monotonic()
        self._refill(now)
        if now < self._paused_until or self._tokens - 1 < -limit:
            return False
        self._tokens -= 1
        return True

    def pause(self, seconds: float) -> None:
        """No tokens for `seconds` (a 429's retry_after)."""
        now = time.monotonic()
        self._refill(now)
        self._tokens = min(self._tokens, 0.0)
        self._paused_until = max(self._paused_until, now + seconds)

    async def acquire(self, priority: int, borrow: float = 0.0) -> None:
        """Wait for a token, served by priority; `borrow` lets the token come from the future."""
        now = time.monotonic()
        self._refill(now)
        need = 1.0 - borrow
        if not self._waiters and self._tokens >= need and now >= self._paused_until:
            self._tokens -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future, need))
        self._schedule()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._tokens += 1  # granted as we were cancelled: give it back
            self._schedule()
            raise

    def _schedule(self) -> None:
        if self._timer is not None or not self._waiters:
            return
        now = time.monotonic()
        need = self._waiters[0][3]
        wait = max(0.0, self._paused_until - now) + max(0.0, (need - self._tokens) / self.rate)
        self._timer = asyncio.get_running_loop().call_later(wait, self._release)

    def _release(self) -> None:
        self._timer = None
        now = time.monotonic()
        self._refill(now)
        while (
            self._waiters
            and self._tokens >= self._waiters[0][3] - 1e-9
            and now >= self._paused_until
        ):
            future = heapq.heappop(self._waiters)[2]
            if future.done():  # cancelled while waiting
                continue
            self._tokens -= 1
            future.set_result(None)
        while self._waiters and self._waiters[0][2].done():
            heapq.heappop(self._waiters)
        self._schedule()


class StrideRateLimiter(AIORateLimiter):
    def __init__(self, max_retries: int = DEFAULT_RETRIES) -> None:
        # The parent's own limiters are switched off (rates 0): ours replace them.
        super().__init__(
            overall_max_rate=0, overall_time_period=0, group_max_rate=0, max_retries=max_retries
        )
        self._overall = PriorityBucket(OVERALL_RATE, OVERALL_BURST)
        self._chats: dict[int | str, PriorityBucket] = {}

    def _chat_bucket(self, chat_id: int | str) -> PriorityBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= MAX_IDLE_BUCKETS:
                for key in [key for key, b in self._chats.items() if b.idle]:
                    del self._chats[key]
            group = isinstance(chat_id, str) or chat_id < 0
            bucket = (
                PriorityBucket(GROUP_RATE, GROUP_BURST)
                if group
                else PriorityBucket(PRIVATE_CHAT_RATE, PRIVATE_CHAT_BURST)
            )
            self._chats[chat_id] = bucket
        return bucket

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

    async def _wait_turn(self, chat_id: int | str | None, priority: int) -> None:
        if chat_id is not None:
            bucket = self._chat_bucket(chat_id)
            group = isinstance(chat_id, str) or chat_id < 0
            if priority == SAFETY and not group:
                if not bucket.borrow(SAFETY_BORROW):
                    await bucket.acquire(priority, borrow=SAFETY_BORROW)
            else:
                await bucket.acquire(priority)
        await self._overall.acquire(priority)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        retries = rate_limit_args or self._max_retries
        priority = priority_of(rate_limit_args)
        chat_id = _chat_key(data.get("chat_id"))
        counted = is_counted(endpoint) and not data.get("allow_paid_broadcast", False)
        for attempt in range(retries + 1):
            if counted:
                await self._wait_turn(chat_id, priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                metrics.RATE_LIMITED.labels(endpoint=endpoint).inc()
                if attempt == retries:
                    log.error("429 from Telegram after %d retries (%s)", retries, endpoint)
                    raise
                # The timedelta PTB keeps (its public attribute warns while it changes type).
                seconds = error._retry_after.total_seconds()
                log.info("429 from Telegram: every send waits %.1f s", seconds + 0.1)
                self._overall.pause(seconds + 0.1)
                if chat_id is not None:
                    self._chat_bucket(chat_id).pause(seconds + 0.1)
                if not counted:
                    await asyncio.sleep(seconds + 0.1)
        raise AssertionError("unreachable")  # pragma: no cover


def _chat_key(chat_id: object) -> int | str | None:
    if isinstance(chat_id, int):
        return chat_id
    if isinstance(chat_id, str):
        try:
            return int(chat_id)
        except ValueError:
            return chat_id  # "@channelusername"
    return None
