"""The offline sandbox: all of Stride in a browser, with no Telegram account and no network.

`stride sandbox` runs, in one process on 127.0.0.1: the local Bot API emulator, the real bot
(production handlers, pointed at the emulator), a SQLite file (`stride-sandbox.db` in the
working directory) and a web page that plays the patients, the supervisor and a peer group,
with clock buttons that fast-forward the bot's injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from bot.config import Settings
from bot.sandbox.runtime import DATABASE_FILE, Sandbox, start_sandbox

log = logging.getLogger(__name__)

PORT_IN_USE = 2
STOP_SECONDS = 20  # Ctrl-C always ends the sandbox: what has not stopped by then is left


def run(settings: Settings, port: int = 8080) -> int:
    """Serve the sandbox until Ctrl-C (or SIGTERM); the exit status."""
    try:
        return asyncio.run(_serve(settings, port))
    except KeyboardInterrupt:
        return 0


async def _serve(settings: Settings, port: int) -> int:
    try:
        sandbox = await start_sandbox(Path.cwd(), port, settings=settings)
    except OSError as error:
        sys.stderr.write(f"stride: cannot serve the sandbox on 127.0.0.1:{port}: {error}\n")
        return PORT_IN_USE
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    sys.stdout.write(
        f"Stride sandbox: {sandbox.url}  (data in {sandbox.database}; Ctrl-C to stop)\n"
    )
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)
        try:
            await asyncio.wait_for(sandbox.stop(), STOP_SECONDS)
        except TimeoutError:
            log.warning("the sandbox did not stop within %s s; leaving anyway", STOP_SECONDS)
    return 0


__all__ = ["DATABASE_FILE", "Sandbox", "run", "start_sandbox"]
