"""A local Telegram Bot API emulator for end-to-end tests, the offline sandbox and benchmarks.

Why: Stride's bot must be tested with its real HTTP stack against Telegram's rules (the Bot API
spec, flood limits, 403 after a block, webhook delivery) without the internet. Start it with
`EmulatorServer` (in-process) or `python -m bot.emulator` and drive users with
`EmulatorClient`.
"""

from .client import EmulatorClient, EmulatorError
from .core import Emulator, EmulatorOptions
from .limits import LimitConfig
from .server import EmulatorServer, create_app, serve

__all__ = [
    "Emulator",
    "EmulatorClient",
    "EmulatorError",
    "EmulatorOptions",
    "EmulatorServer",
    "LimitConfig",
    "create_app",
    "serve",
]
