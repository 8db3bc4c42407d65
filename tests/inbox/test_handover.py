"""On SQLite the intake hands a person's new rows to their queue without reading them back,
but only when that queue is known to have had nothing pending: order comes first."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from dialogs import router
from tests.alerts.conftest import PATIENT
from tests.inbox.conftest import Rig
from tests.storage.test_statement_budget import counted


def queue_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "row_number()" in s.lower()]


async def settle(rig: Rig, handled: int) -> None:
    async with asyncio.timeout(30):
        while rig.dispatcher.handled < handled or rig.dispatcher.active_queues:  # noqa: ASYNC110 (the dispatcher has no event to wait on)
            await asyncio.sleep(0.02)


def sqlite(rig: Rig) -> bool:
    return rig.services.store.engine.dialect.name == "sqlite"


async def test_a_patients_next_update_is_handed_over_without_a_read(rig: Rig) -> None:
    rig.intake.on_stored = rig.dispatcher.stored
    with counted(rig.services.store) as first:
        await rig.store(1, "/help")
        await settle(rig, 1)
    assert len(queue_reads(first)) == 1  # nothing known of this queue yet: read
    with counted(rig.services.store) as second:
        await rig.store(2, "/help")
        await settle(rig, 2)
    # SQLite: one process writes the inbox, so the rows just stored are all there is. On
    # PostgreSQL another replica may hold an older row of this person: always read.
    assert len(queue_reads(second)) == (0 if sqlite(rig) else 1)
    # PostgreSQL: that read also leased the row; SQLite: nothing to lease against.
    assert [s for s in second if "SET claimed_by" in s and "replies_state" not in s] == []
    texts = await rig.bot_texts(PATIENT)
    assert len(texts) == 2 and all("/today" in text for text in texts)
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 2}


async def test_a_queue_with_a_row_waiting_for_a_retry_is_read_and_keeps_its_order(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.intake.on_stored = rig.dispatcher.stored
    await rig.store(1, "/help")
    await settle(rig, 1)  # the queue is known to be clear now

    handled: list[int] = []
    process_update = rig.app.process_update

    async def recorded(update: Any, *args: Any, **kwargs: Any) -> None:
        handled.append(update.update_id)
        await process_update(update, *args, **kwargs)

    monkeypatch.setattr(rig.app, "process_update", recorded)

    def broken_dialog(*_args: Any) -> Any:
        raise RuntimeError("a bug in a dialog")

    with monkeypatch.context() as broken:
        broken.setattr(router, "handle", broken_dialog)
        await rig.store(2, "/help")  # handed over, fails: waits for its retry
        await settle(rig, 1)
    with counted(rig.services.store) as statements:
        await rig.store(3, "/help")  # must not jump ahead of 2
        await settle(rig, 1)
    assert len(queue_reads(statements)) == 1
    assert handled == [2]
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 1, "pending": 2}

    rig.clock.advance(dt.timedelta(minutes=1))  # past the backoff: the run loop finds it
    runner = asyncio.create_task(rig.dispatcher.run())
    try:
        await settle(rig, 3)
    finally:
        rig.dispatcher.stop()
        await runner
    assert handled == [2, 2, 3]
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 3}


async def test_on_postgresql_the_read_leases_each_queues_next_row(rig: Rig) -> None:
    """The row a queue handles next is leased by the statement that reads it: no lease
    statement of its own, and another replica reading the same queue gets nothing."""
    if sqlite(rig):
        pytest.skip("SQLite has one process: nothing to lease against")
    await rig.store(1, "/help")
    await rig.store(2, "/help")
    now = rig.clock.now()
    until = now + dt.timedelta(seconds=10)
    async with rig.services.store.transaction() as tx:
        mine = await tx.queues_items([PATIENT], now, 20, by="replica-a", lease_until=until)
    async with rig.services.store.transaction() as tx:
        theirs = await tx.queues_items([PATIENT], now, 20, by="replica-b", lease_until=until)
    assert [(i.update_id, i.leased_until) for i in mine[PATIENT]] == [(1, until), (2, None)]
    assert theirs[PATIENT] == []  # replica a holds the queue's head: b waits its turn
