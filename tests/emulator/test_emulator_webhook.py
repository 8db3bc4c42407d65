"""Webhook delivery to a small aiohttp receiver on 127.0.0.1, with the secret-token header."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import telegram
from aiohttp import web
from telegram.error import BadRequest, Conflict

from bot.emulator import EmulatorClient

ANA = 1001
SECRET = "s3cret-Token_1"


@dataclass
class Receiver:
    """Records what arrives; answers 500 to the first `fail_first` deliveries."""

    fail_first: int = 1
    received: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    attempts: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    attempted: asyncio.Event = field(default_factory=asyncio.Event)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.attempted.set()
        if self.attempts <= self.fail_first:
            return web.Response(status=500)
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((header, await request.json()))
        self.arrived.set()
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()
    app = web.Application()
    app.router.add_post("/hook", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield state
    await runner.cleanup()


async def test_webhook_delivery_with_secret_and_retry(
    bot: telegram.Bot, client: EmulatorClient, receiver: Receiver
) -> None:
    await client.create_user(ANA, "Ana")
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    message_id = await client.send_text(ANA, "/start")
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert receiver.attempts == 2  # the 500 was retried
    ((header, body),) = receiver.received
    assert header == SECRET
    update = telegram.Update.de_json(body, bot)
    assert update.message is not None
    assert update.message.message_id == message_id
    assert update.message.text == "/start"
    info = await bot.get_webhook_info()
    assert info.url == receiver.url
    assert info.pending_update_count == 0
    assert info.last_error_message is not None and "500" in info.last_error_message
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert await client.violations() == []


async def test_delete_webhook_drops_pending_and_returns_to_polling(
    bot: telegram.Bot, client: EmulatorClient, receiver: Receiver
) -> None:
    receiver.fail_first = 10**6  # the receiver is "down"
    await client.create_user(ANA, "Ana")
    await bot.set_webhook(receiver.url)
    await client.send_text(ANA, "lost while down")
    await asyncio.wait_for(receiver.attempted.wait(), 5)
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates(timeout=0) == ()
    await client.send_text(ANA, "after")
    (update,) = await bot.get_updates(timeout=1)
    assert update.message is not None and update.message.text == "after"


async def test_webhook_must_stay_on_loopback(bot: telegram.Bot, client: EmulatorClient) -> None:
    with pytest.raises(BadRequest, match=r"(?i)bad webhook"):
        await bot.set_webhook("https://example.org/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces")
    assert [v["method"] for v in await client.violations()] == ["setWebhook", "setWebhook"]
