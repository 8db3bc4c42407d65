"""Telegram's flood limits for sending messages, enforced per bot token.

Why: a bot that sends a reminder to every patient at 9:00 sharp works against a mock and fails
in production with 429 Too Many Requests. Telegram documents about 30 messages per second
overall, about one message per second per private chat (short bursts tolerated) and 20 messages
per minute per group; exceeding them answers 429 with `retry_after`. Token buckets model the
"rate with a tolerated burst" behaviour; every rate is a constructor parameter so tests and the
benchmark can tighten or loosen them.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

# Methods that send a message; edits, chat actions and answers are not counted.
COUNTED_EXTRA = frozenset({"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"})
NOT_COUNTED = frozenset({"sendChatAction"})


def is_counted(method: str) -> bool:
    """True for methods that deliver a new message (send*, copy*, forward*)."""
    if method in NOT_COUNTED:
        return False
    return method.startswith("send") or method in COUNTED_EXTRA


@dataclass
class LimitConfig:
    enabled: bool = True
    global_per_second: float = 30.0
    global_burst: float = 30.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0


class TokenBucket:
    """`capacity` tokens refilled at `rate` per second; a send takes one."""

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(capacity, 1.0)
        self.tokens = self.capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


class RateLimiter:
    """Decides whether a send may pass, and if not, the retry_after to answer with."""

    def __init__(
        self,
        config: LimitConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or LimitConfig()
        self.clock = clock
        self._buckets: dict[tuple[str, str, int], TokenBucket] = {}
        self.allowed = 0
        self.rejected = 0
        self.rejected_per_chat: Counter[int] = Counter()

    def configure(self, **changes: Any) -> LimitConfig:
        """Change rates or switch limits on/off; buckets restart full with the new rates."""
        known = set(asdict(self.config))
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown limit settings: {sorted(unknown)}")
        for key, value in changes.items():
            setattr(self.config, key, bool(value) if key == "enabled" else float(value))
        self._buckets.clear()
        return self.config

    def reset(self) -> None:
        self._buckets.clear()
        self.allowed = 0
        self.rejected = 0
        self.rejected_per_chat.clear()

    def _bucket(self, token: str, scope: str, chat_id: int, now: float) -> TokenBucket:
        key = (token, scope, chat_id)
        bucket = self._buckets.get(key)
        if bucket is None:
            cfg = self.config
            if scope == "global":
                bucket = TokenBucket(cfg.global_per_second, cfg.global_burst, now)
            elif scope == "private":
                bucket = TokenBucket(cfg.private_per_second, cfg.private_burst, now)
            else:
                bucket = TokenBucket(cfg.group_per_minute / 60.0, cfg.group_burst, now)
            self._buckets[key] = bucket
        return bucket

    def check(self, token: str, chat_id: int, chat_type: str) -> int | None:
        """None if the send may pass (and is counted), else retry_after in whole seconds."""
        if not self.config.enabled:
            return None
        now = self.clock()
        scope = "private" if chat_type == "private" else "group"
        buckets = [
            self._bucket(token, "global", 0, now),
            self._bucket(token, scope, chat_id, now),
        ]
        wait = max(b.wait_time(now) for b in buckets)
        if wait > 0:
            self.rejected += 1
            self.rejected_per_chat[chat_id] += 1
            return max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
        for bucket in buckets:
            bucket.take(now)
        self.allowed += 1
        return None

    def describe(self) -> dict[str, Any]:
        return {
            **asdict(self.config),
            "allowed": self.allowed,
            "rejected": self.rejected,
        }
