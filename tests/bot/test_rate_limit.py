"""One limiter for every send: per chat, per group, overall, safety first, 429s honoured."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot import metrics, rate_limit
from bot.rate_limit import (
    BULK_RETRIES,
    PRIVATE_CHAT_BURST,
    SAFETY_RETRIES,
    PriorityBucket,
    StrideRateLimiter,
)


async def _ok(*args: Any, **kwargs: Any) -> bool:
    return True


async def _send(
    limiter: StrideRateLimiter,
    chat_id: int | str,
    priority: int | None,
    endpoint: str = "sendMessage",
) -> float:
    start = time.monotonic()
    await limiter.process_request(_ok, (), {}, endpoint, {"chat_id": chat_id}, priority)
    return time.monotonic() - start


async def test_a_burst_to_one_chat_is_paced_after_the_allowance() -> None:
    limiter = StrideRateLimiter()
    await limiter.initialize()
    waits = [await _send(limiter, 42, None) for _ in range(PRIVATE_CHAT_BURST + 1)]
    assert max(waits[:PRIVATE_CHAT_BURST]) < 0.2
    assert waits[-1] >= 0.5  # the message over the burst waits for the per-chat limit


async def test_safety_messages_skip_the_per_chat_wait() -> None:
    limiter = StrideRateLimiter()
    for _ in range(PRIVATE_CHAT_BURST):
        await _send(limiter, 7, None)
    assert await _send(limiter, 7, SAFETY_RETRIES) < 0.2


async def test_other_chats_are_not_held_by_a_busy_one() -> None:
    limiter = StrideRateLimiter()
    for _ in range(PRIVATE_CHAT_BURST):
        await _send(limiter, 1, None)
    assert await _send(limiter, 2, None) < 0.2


async def test_edits_and_callback_answers_take_no_token() -> None:
    limiter = StrideRateLimiter()
    waits = [await _send(limiter, 5, None, "editMessageReplyMarkup") for _ in range(10)]
    waits += [await _send(limiter, 5, None, "sendChatAction") for _ in range(5)]
    assert max(waits) < 0.1
    assert await _send(limiter, 5, None) < 0.1  # the chat's allowance is untouched


async def test_a_group_gets_its_burst_then_about_one_message_every_three_seconds() -> None:
    limiter = StrideRateLimiter()
    waits = [await _send(limiter, -100123, None) for _ in range(rate_limit.GROUP_BURST)]
    assert max(waits) < 0.1
    next_send = asyncio.create_task(_send(limiter, -100123, None))
    await asyncio.sleep(1.0)
    assert not next_send.done()  # 20/minute: far slower than a private chat
    next_send.cancel()


async def test_waiters_are_served_safety_first_then_replies_then_bulk() -> None:
    bucket = PriorityBucket(rate=20.0, capacity=1)
    await bucket.acquire(rate_limit.REPLY)  # the bucket is now empty
    served: list[str] = []

    async def wait(name: str, priority: int) -> None:
        await bucket.acquire(priority)
        served.append(name)

    tasks = [
        asyncio.create_task(wait("bulk", rate_limit.BULK)),
        asyncio.create_task(wait("reply", rate_limit.REPLY)),
        asyncio.create_task(wait("bulk2", rate_limit.BULK)),
        asyncio.create_task(wait("safety", rate_limit.SAFETY)),
    ]
    await asyncio.gather(*tasks)
    assert served == ["safety", "reply", "bulk", "bulk2"]


async def test_a_cancelled_waiter_does_not_block_the_queue() -> None:
    bucket = PriorityBucket(rate=20.0, capacity=1)
    await bucket.acquire(rate_limit.REPLY)
    doomed = asyncio.create_task(bucket.acquire(rate_limit.SAFETY))
    await asyncio.sleep(0)
    doomed.cancel()
    await asyncio.wait_for(bucket.acquire(rate_limit.BULK), 1)


async def test_the_overall_rate_stays_under_thirty_a_second() -> None:
    limiter = StrideRateLimiter()
    start = time.monotonic()
    # 29 burst + 29 more: each to its own chat, so only the overall limit binds.
    await asyncio.gather(*(_send(limiter, 1000 + n, BULK_RETRIES) for n in range(58)))
    assert time.monotonic() - start >= 0.9


async def test_retry_after_is_honoured_and_counted() -> None:
    limiter = StrideRateLimiter()
    calls: list[float] = []

    async def flaky(*args: Any, **kwargs: Any) -> bool:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(dt.timedelta(seconds=1))
        return True

    before = metrics.RATE_LIMITED.labels(endpoint="sendMessage")._value.get()
    await limiter.process_request(flaky, (), {}, "sendMessage", {"chat_id": 9}, None)
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 1.0
    assert metrics.RATE_LIMITED.labels(endpoint="sendMessage")._value.get() == before + 1
    # Every other send waits out the pause too (Telegram does not say which limit was hit).
    assert await _send(limiter, 10, None) < 0.2  # the pause is over by now


async def test_retries_end_with_the_error() -> None:
    limiter = StrideRateLimiter(max_retries=1)

    async def always(*args: Any, **kwargs: Any) -> bool:
        raise RetryAfter(dt.timedelta(0))

    with pytest.raises(RetryAfter):
        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 3}, None)


async def test_idle_chats_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_IDLE_BUCKETS", 50)
    limiter = StrideRateLimiter()
    for chat in range(200):
        limiter._chat_bucket(chat)  # full and idle, as after a send long ago
    assert limiter.tracked_chats <= 51
