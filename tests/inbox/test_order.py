"""Two dispatchers on one PostgreSQL inbox (two replicas): one patient's updates are still
handled strictly in order, each exactly once, never two at a time."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from typing import Any

import pytest
from telegram import Update

from bot.inbox.serve import make_dispatcher
from tests.alerts.conftest import PATIENT
from tests.inbox.conftest import Rig

UPDATES = 20


async def test_two_dispatchers_handle_one_patients_updates_in_order_once_each(
    rig: Rig, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes share an inbox on PostgreSQL only")
    events: list[tuple[str, int]] = []
    running: set[int] = set()
    process_update = rig.app.process_update
    rng = random.Random(11)

    async def recorded(update: Update, *args: Any, **kwargs: Any) -> None:
        events.append(("start", update.update_id))
        running.add(update.update_id)
        assert len(running) == 1, f"{sorted(running)} handled at once"
        await asyncio.sleep(rng.uniform(0, 0.02))  # let the other dispatcher try its luck
        try:
            await process_update(update, *args, **kwargs)
        finally:
            running.discard(update.update_id)
            events.append(("end", update.update_id))

    monkeypatch.setattr(rig.app, "process_update", recorded)
    first, second = make_dispatcher(rig.app, rig.services), make_dispatcher(rig.app, rig.services)
    first.name, second.name = "replica-a", "replica-b"  # two processes, as far as leases go
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]

    def wake_in_turn(queues: Iterable[tuple[int | None, bool]]) -> None:
        # The replica behind is told of the new row; the other polls and races it.
        min((first, second), key=lambda replica: replica.handled).stored(queues)

    rig.intake.on_stored = wake_in_turn
    try:
        for update_id in range(1, UPDATES + 1):  # arriving while the replicas work
            await rig.store(update_id, "/help")
            await asyncio.sleep(rng.uniform(0, 0.06))
        for _ in range(600):  # 30 s at most
            if first.handled + second.handled >= UPDATES:
                break
            await asyncio.sleep(0.05)
    finally:
        first.stop()
        second.stop()
        await asyncio.gather(*tasks)
    starts = [update_id for kind, update_id in events if kind == "start"]
    assert starts == list(range(1, UPDATES + 1))
    assert events == [(kind, i) for i in starts for kind in ("start", "end")]
    # Which replica handled what is up to timing (usually both take part; the storage tests
    # in test_inbox_storage.py pin the turn rule itself deterministically).
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": UPDATES}
    assert len(await rig.bot_texts(PATIENT)) == UPDATES
