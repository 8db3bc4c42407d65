"""The emulator object: options, the world, the spec, limits and faults in one place.

Why: the Bot API side, the control API and the webhook sender all act on the same state; one
object passed around (stored in the aiohttp app) avoids globals, so a test can run several
independent emulators in one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .faults import FaultInjector
from .limits import LimitConfig, RateLimiter
from .spec import ApiSpec, load_spec
from .state import World

DEFAULT_TOKEN = "123456789:EMULATOR-test-token"
DEFAULT_BOT_ID = 123456789
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def bot_id_from_token(token: str) -> int:
    """Telegram tokens start with the bot's id ("123456:ABC..."); fall back to a fixed id."""
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() and 0 < int(head) < 2**52 else DEFAULT_BOT_ID


@dataclass
class EmulatorOptions:
    """How the emulator behaves; see `create_app` for what each option means."""

    token_check: bool = False
    validate: bool = True
    bot_token: str = DEFAULT_TOKEN
    bot_username: str = "stride_test_bot"
    bot_first_name: str = "Stride"
    privacy_mode: bool = False
    self_check: bool = False
    webhook_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    webhook_timeout: float = 10.0
    webhook_retry_max: float = 2.0
    max_long_poll: float = 50.0


class Emulator:
    """One emulated Telegram serving one bot."""

    def __init__(
        self,
        options: EmulatorOptions | None = None,
        *,
        limits: LimitConfig | None = None,
        spec: ApiSpec | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or EmulatorOptions()
        self.spec = spec or load_spec()
        self.clock = clock
        self.limiter = RateLimiter(limits, clock=monotonic)
        self.faults = FaultInjector()
        self.world = self._new_world()
        self.poll_generation = 0
        self.closing = False

    def _new_world(self) -> World:
        return World(
            bot_id=bot_id_from_token(self.options.bot_token),
            bot_username=self.options.bot_username,
            bot_first_name=self.options.bot_first_name,
            clock=self.clock,
        )

    def token_ok(self, token: str) -> bool:
        return not self.options.token_check or token == self.options.bot_token

    def reset(self) -> World:
        """A fresh world; faults and limit counters cleared, limit settings kept."""
        old = self.world
        self.world = self._new_world()
        self.faults.clear()
        self.limiter.reset()
        old.closing = True
        old.changed.notify()
        self.world.emit("reset", {})
        return self.world

    def close(self) -> None:
        """Wake every waiter so long polls and event streams end promptly at shutdown."""
        self.closing = True
        self.world.closing = True
        self.world.changed.notify()
