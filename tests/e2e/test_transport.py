"""Webhook mode with Telegram's secret-token header, and updates Stride must ignore."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.emulator import EmulatorClient
from tests.e2e.harness import BotProcess, Person

pytestmark = pytest.mark.e2e

PATIENT = 5101


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_checks_the_secret_token(
    bot: BotProcess, users: EmulatorClient
) -> None:
    port = free_port()
    bot.env["WEBHOOK_SECRET"] = "s3cret-token_1"
    await users.create_user(PATIENT, "Web", language_code="en")
    await bot.start(
        users, args=("--webhook-url", f"http://127.0.0.1:{port}", "--listen", f"127.0.0.1:{port}")
    )
    webhook = await users.webhook()
    assert webhook["webhook"]["url"] == f"http://127.0.0.1:{port}/telegram"
    assert webhook["secret_token_set"] is True
    person = Person(users, PATIENT)
    await person.send("/start")
    await person.wait_for("not an emergency service")
    forged = {
        "update_id": 99999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": PATIENT, "type": "private"},
            "text": "/sos",
        },
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{port}/telegram", json=forged) as response:
            assert response.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        async with http.post(
            f"http://127.0.0.1:{port}/telegram", json=forged, headers=headers
        ) as response:
            assert response.status == 403
    await asyncio.sleep(1)
    texts = [m.get("text", "") for m in await users.messages(PATIENT)]
    assert not any("care team has been told" in t for t in texts), "a forged /sos was handled"


async def test_channel_posts_and_other_bots_get_no_reply(
    bot: BotProcess, users: EmulatorClient
) -> None:
    await users.create_user(7001, "Another bot", is_bot=True)
    await users.create_user(PATIENT, "Pat", language_code="en")
    channel = await users.create_group("News", chat_type="channel", members=[PATIENT])
    group = await users.create_group("Walkers", members=[PATIENT, 7001])
    await bot.start(users)
    await users.send_message(7001, text="/sos", chat_id=group["id"])
    await users.send_message(7001, text="I want to die", chat_id=group["id"])
    await users.send_message(PATIENT, text="I want to die", chat_id=channel["id"])
    person = Person(users, PATIENT)
    await person.send("/help")
    await person.wait_for("/today")
    for chat in (group["id"], channel["id"]):
        assert [m for m in await users.messages(chat) if m.get("by_bot")] == []
    sent = [m.get("text", "") for m in await users.messages(PATIENT) if m.get("by_bot")]
    assert not any("care team has been told" in text for text in sent)
