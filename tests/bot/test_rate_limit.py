"""The per-private-chat limit paces bursts to one chat; safety messages are never held."""

from __future__ import annotations

import time
from typing import Any

from bot.rate_limit import PRIVATE_CHAT_BURST, SAFETY_RETRIES, StrideRateLimiter


async def _send(limiter: StrideRateLimiter, chat_id: int, priority: int | None) -> float:
    async def callback(*args: Any, **kwargs: Any) -> bool:
        return True

    start = time.monotonic()
    await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id}, priority)
    return time.monotonic() - start


async def test_a_burst_to_one_chat_is_paced_after_the_allowance() -> None:
    limiter = StrideRateLimiter()
    await limiter.initialize()
    waits = [await _send(limiter, 42, None) for _ in range(PRIVATE_CHAT_BURST + 1)]
    assert max(waits[:PRIVATE_CHAT_BURST]) < 0.2
    assert waits[-1] >= 0.5  # the message over the burst waits for the per-chat limit


async def test_safety_messages_skip_the_per_chat_wait() -> None:
    limiter = StrideRateLimiter()
    await limiter.initialize()
    for _ in range(PRIVATE_CHAT_BURST):
        await _send(limiter, 7, None)
    assert await _send(limiter, 7, SAFETY_RETRIES) < 0.2


async def test_other_chats_are_not_held_by_a_busy_one() -> None:
    limiter = StrideRateLimiter()
    await limiter.initialize()
    for _ in range(PRIVATE_CHAT_BURST):
        await _send(limiter, 1, None)
    assert await _send(limiter, 2, None) < 0.2
