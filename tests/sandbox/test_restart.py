"""Stop the sandbox and start it again: it answers at once and keeps its people.

A fresh emulator used to number updates from 100001 again; the bot had handled those ids
already and silently ignored hundreds of messages. Patients added on the page came back as
"Patient 1004".
"""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp

from bot.sandbox import start_sandbox
from bot.sandbox.memory import MEMORY_FILE, UPDATE_ID_MARGIN
from tests.sandbox.helpers import BEN, Page


async def test_after_a_restart_help_is_answered_at_once_and_people_are_kept(
    tmp_path: Path,
) -> None:
    first = await start_sandbox(tmp_path, port=0)
    try:
        async with aiohttp.ClientSession() as session:
            page = Page(first.url, session)
            await page.send(BEN, "/help")
            await page.wait_for(BEN, "not an emergency service")
            added = await page.post("/api/patients", {"name": "Dana Ruiz", "language": "es"})
            dana = int(added["patient"]["id"])
            await page.send(dana, "/help")
            await page.wait_for(dana, "servicio de emergencias")
    finally:
        await first.stop()
    assert (tmp_path / MEMORY_FILE).exists()
    updates_before = first.memory.next_update_id
    assert updates_before > 100_001

    second = await start_sandbox(tmp_path, port=0)
    try:
        assert second.memory.next_update_id >= updates_before + UPDATE_ID_MARGIN
        dana_again = second.cast.patient(dana)
        assert dana_again is not None
        assert (dana_again.name, dana_again.language) == ("Dana Ruiz", "es")
        async with aiohttp.ClientSession() as session:
            page = Page(second.url, session)
            started = time.monotonic()
            await page.send(BEN, "/help")
            await page.wait_for(BEN, "not an emergency service", timeout=15)
            assert time.monotonic() - started < 15
            await page.send(dana, "/help")
            await page.wait_for(dana, "servicio de emergencias", timeout=15)
            listed = await page.get("/api/state")
        assert "Dana Ruiz" in [p["name"] for p in listed["patients"]]
    finally:
        await second.stop()
