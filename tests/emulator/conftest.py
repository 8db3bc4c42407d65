"""Fixtures: a running emulator on 127.0.0.1, its control client, and a real PTB Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import telegram
from telegram.request import HTTPXRequest

from bot.emulator import EmulatorClient, EmulatorServer
from bot.emulator.core import DEFAULT_TOKEN as TOKEN

StartEmulator = Callable[..., Awaitable[EmulatorServer]]
MakeBot = Callable[..., telegram.Bot]


def plain_http_request(pool_size: int = 256) -> HTTPXRequest:
    """PTB's own HTTPXRequest; TLS verification is off because the emulator speaks plain HTTP
    on 127.0.0.1, and building a verifying SSL context costs ~0.2 s per client."""
    return HTTPXRequest(connection_pool_size=pool_size, httpx_kwargs={"verify": False})


@pytest.fixture
def make_bot() -> MakeBot:
    """Build (not initialise) a PTB Bot for an emulator, as the real bot configures it."""

    def build(server: EmulatorServer, token: str = TOKEN) -> telegram.Bot:
        return telegram.Bot(
            token,
            base_url=server.bot_api_base,
            request=plain_http_request(),
            get_updates_request=plain_http_request(pool_size=1),
        )

    return build


@pytest.fixture
async def start_emulator() -> AsyncIterator[StartEmulator]:
    """Start emulators with given options; all are stopped at the end of the test."""
    servers: list[EmulatorServer] = []

    async def start(**options: Any) -> EmulatorServer:
        options.setdefault("self_check", True)
        server = EmulatorServer(**options)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture
async def emulator(start_emulator: StartEmulator) -> EmulatorServer:
    return await start_emulator()


@pytest.fixture
async def client(emulator: EmulatorServer) -> AsyncIterator[EmulatorClient]:
    async with EmulatorClient(emulator.url) as control:
        yield control


@pytest.fixture
async def bot(emulator: EmulatorServer, make_bot: MakeBot) -> AsyncIterator[telegram.Bot]:
    """PTB's real Bot (httpx stack) pointed at the emulator."""
    async with make_bot(emulator) as real_bot:
        yield real_bot
