"""PTB's AIORateLimiter plus the per-private-chat limit it lacks (about 1 message/s).

AIORateLimiter's `rate_limit_args` is a retry count. Safety messages pass
`rate_limit_args=SAFETY_RETRIES`: they skip the per-chat wait (still within the global limit,
so Telegram does not answer 429) and retry longer; no rate limit delays a crisis reply.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

# A little stricter than Telegram's ~1 message/s per chat, so jitter never earns a 429.
PRIVATE_CHAT_RATE = 0.9
PRIVATE_CHAT_BURST = 3
SAFETY_RETRIES = 10


class StrideRateLimiter(AIORateLimiter):
    def __init__(self, max_retries: int = 3) -> None:
        super().__init__(
            overall_max_rate=30,
            overall_time_period=1,
            group_max_rate=20,
            group_time_period=60,
            max_retries=max_retries,
        )
        self._private: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._private.get(chat_id)
        if limiter is None:
            limiter = AsyncLimiter(PRIVATE_CHAT_BURST, PRIVATE_CHAT_BURST / PRIVATE_CHAT_RATE)
            self._private[chat_id] = limiter
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        safety = rate_limit_args == SAFETY_RETRIES
        if endpoint.startswith("send") and isinstance(chat_id, int) and chat_id > 0 and not safety:
            async with self._private_limiter(chat_id):
                pass
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
