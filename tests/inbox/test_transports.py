"""Both transports confirm an update only after the inbox committed it."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.inbox.poller import Poller
from bot.inbox.webhook import SECRET_HEADER, make_app

UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 0, "text": "hi"}}


class FakeIntake:
    """Fails the first `failures` stores, as a database that is down would."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.stored: list[dict[str, Any]] = []
        self.stopping = False

    async def store_once(self, payloads: list[dict[str, Any]]) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("database down")
        self.stored += payloads
        return len(payloads)

    async def commit(self, payloads: list[dict[str, Any]]) -> bool:
        while True:
            try:
                await self.store_once(payloads)
                return True
            except ConnectionRefusedError:
                await asyncio.sleep(0)


async def test_the_webhook_answers_200_only_after_the_commit() -> None:
    intake = FakeIntake(failures=1)
    async with TestClient(TestServer(make_app(intake, "telegram", "s3cret"))) as client:  # type: ignore[arg-type]
        assert (await client.post("/telegram", json=UPDATE)).status == 403
        headers = {SECRET_HEADER: "s3cret"}
        assert (await client.post("/telegram", json=UPDATE, headers=headers)).status == 503
        assert intake.stored == []  # Telegram will send it again
        assert (await client.post("/telegram", json=UPDATE, headers=headers)).status == 200
        assert intake.stored == [UPDATE]


class FakeBot:
    """Records each getUpdates offset with how many updates were stored by then."""

    def __init__(self, batches: list[list[dict[str, Any]]], intake: FakeIntake) -> None:
        self.batches = batches
        self.intake = intake
        self.calls: list[tuple[int | None, int]] = []
        self.third_call = asyncio.Event()

    async def delete_webhook(self, drop_pending_updates: bool) -> bool:
        return True

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any], **_: Any) -> Any:
        self.calls.append((api_kwargs.get("offset"), len(self.intake.stored)))
        if len(self.calls) >= 3:
            self.third_call.set()
        return self.batches.pop(0) if self.batches else []


async def test_the_offset_moves_only_after_the_batch_is_stored() -> None:
    """The next getUpdates confirms the batch; it is sent only once the insert committed."""
    intake = FakeIntake(failures=3)
    bot = FakeBot([[UPDATE, {**UPDATE, "update_id": 8}], [{**UPDATE, "update_id": 9}]], intake)
    poller = Poller(bot, intake)  # type: ignore[arg-type]
    task = asyncio.create_task(poller.run())
    await asyncio.wait_for(bot.third_call.wait(), 5)
    poller.stop()
    await task
    # offset 9 (confirming 7 and 8) only once both were stored, despite 3 failed inserts
    assert bot.calls[:3] == [(None, 0), (9, 2), (10, 3)]
