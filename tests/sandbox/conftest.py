"""One sandbox per module (starting one loads the content: about a second), on free ports.

The API tests share it: each uses its own patient, and the clock only moves forward.
`start_sandbox` without settings reads nothing from the environment or `.env`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from bot.sandbox import Sandbox, start_sandbox
from tests.sandbox.helpers import Page


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sandbox]:
    running = await start_sandbox(tmp_path_factory.mktemp("sandbox"), port=0)
    try:
        yield running
    finally:
        await running.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def page(sandbox: Sandbox) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession() as session:
        yield Page(sandbox.url, session)
