"""Webhook delivery: POST each pending update to the bot's URL, in order, retrying on failure.

Why: a bot deployed with webhooks must check the secret-token header and answer quickly; the
emulator delivers exactly as Telegram does (JSON body, `X-Telegram-Bot-Api-Secret-Token`,
the same update again until a 2xx), so the bot's webhook server is tested end to end. Only
loopback URLs are accepted by setWebhook, so nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from .core import Emulator

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSender:
    """A background task that drains the update queue to the webhook URL."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.emu.options.webhook_timeout),
            trust_env=False,
        )
        self._task = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        backoff = 0.0
        while not self.emu.closing:
            world = self.emu.world
            hook = world.webhook
            if not hook.url or not world.updates:
                backoff = 0.0
                await world.changed.wait(1.0)
                continue
            update = world.updates[0]
            error = await self._post(hook.url, hook.secret_token, update)
            if error is None:
                if world.updates and world.updates[0] is update:
                    world.updates.popleft()
                hook.delivered += 1
                world.stats.updates_delivered += 1
                world.emit("webhook_delivered", {"update_id": update["update_id"]})
                backoff = 0.0
                continue
            hook.last_error_date = world.now()
            hook.last_error_message = error
            world.stats.webhook_failures += 1
            world.emit("webhook_failed", {"update_id": update["update_id"], "error": error})
            backoff = min(max(backoff * 2, 0.05), self.emu.options.webhook_retry_max)
            await asyncio.sleep(backoff)

    async def _post(self, url: str, secret: str | None, update: dict[str, object]) -> str | None:
        """None on a 2xx answer, else Telegram-style last_error_message."""
        assert self._session is not None
        headers = {SECRET_HEADER: secret} if secret else {}
        try:
            async with self._session.post(url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            log.debug("webhook delivery failed: %r", exc)
            return f"Connection failed: {type(exc).__name__}"
