"""The intake hands a person's new rows to their queue without reading them back, but only
when that queue is known to have had nothing pending (SQLite: this process's memory;
PostgreSQL: the insert found it free and leased the row): order comes first."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from bot.inbox.dispatcher import LEASE, LEASE_MARGIN
from bot.storage.updates import InboxItem, NewUpdate
from dialogs import router
from tests.alerts.conftest import PATIENT
from tests.inbox.conftest import Rig, private_text
from tests.storage.test_statement_budget import counted


def queue_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if "row_number()" in s.lower()]


def leases(statements: list[str]) -> list[str]:
    """Lease UPDATEs of their own (not the "done" or "replies sent" UPDATEs)."""
    sets = [(s, s.split(" WHERE ", 1)[0]) for s in statements]
    return [
        s
        for s, set_ in sets
        if set_.startswith("UPDATE inbox SET claimed_by") and "replies" not in set_
    ]


async def settle(rig: Rig, handled: int) -> None:
    async with asyncio.timeout(30):
        while rig.dispatcher.handled < handled or rig.dispatcher.active_queues:  # noqa: ASYNC110 (the dispatcher has no event to wait on)
            await asyncio.sleep(0.02)


def sqlite(rig: Rig) -> bool:
    return rig.services.store.engine.dialect.name == "sqlite"


async def test_a_patients_next_update_is_handed_over_without_a_read(rig: Rig) -> None:
    rig.dispatcher.attach(rig.intake)
    with counted(rig.services.store) as first:
        await rig.store(1, "/help")
        await settle(rig, 1)
    # SQLite: nothing known of this queue yet, so it is read. PostgreSQL: the insert found
    # the queue free and leased the row itself.
    assert len(queue_reads(first)) == (1 if sqlite(rig) else 0)
    with counted(rig.services.store) as second:
        await rig.store(2, "/help")
        await settle(rig, 2)
    # SQLite: one process writes the inbox, so the rows just stored are all there is.
    assert len(queue_reads(second)) == 0
    for statements in (first, second):  # no lease of its own (SQLite: nobody to lease against)
        assert leases(statements) == []
    assert len(second) == 5, second  # insert, patient load, save, done, replies sent
    texts = await rig.bot_texts(PATIENT)
    assert len(texts) == 2 and all("/today" in text for text in texts)
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 2}


async def test_a_queue_with_a_row_waiting_for_a_retry_is_read_and_keeps_its_order(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.dispatcher.attach(rig.intake)
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


async def test_on_postgresql_the_insert_leases_only_a_free_queues_first_row(rig: Rig) -> None:
    """A queue with a row pending, replies going out under another worker's live lease, or a
    row being stored by another transaction right now is left to the read and its turn
    check; in a batch, only the row the queue handles first (a flagged one) is leased."""
    if sqlite(rig):
        pytest.skip("SQLite has one process: nothing to lease against")
    now = rig.clock.now()
    until = now + dt.timedelta(seconds=10)

    def new(update_id: int, queue: int, risk: bool = False) -> NewUpdate:
        return NewUpdate(1, update_id, "d", {"update_id": update_id}, "message", queue, risk)

    async with rig.services.store.transaction() as tx:
        stored = await tx.store_updates(
            [new(1, 7), new(2, 7, risk=True), new(3, 8), new(4, 9)], now, ("replica-a", until)
        )
    assert [(i.update_id, i.leased_until) for i in stored] == [
        (1, None),
        (2, until),  # flagged: handled first
        (3, until),
        (4, until),
    ]
    async with rig.services.store.transaction() as tx:  # queue 7 has rows pending
        (again,) = await tx.store_updates([new(5, 7)], now, ("replica-b", until))
        assert again.leased_until is None
        # Replies still going out under replica a's lease hold queue 8 back as well.
        await tx.finish_inbox_item(stored[2].id, now, replies={"chat": 8}, lease=("a", until))
        await tx.finish_inbox_item(stored[3].id, now)
    async with rig.services.store.transaction() as tx:
        (held, free) = await tx.store_updates([new(6, 8), new(7, 9)], now, ("replica-b", until))
    assert (held.leased_until, free.leased_until) == (None, until)
    async with rig.services.store.transaction() as storing:  # another intake, not committed
        await storing.store_updates([new(8, 10)], now, ("replica-a", until))
        async with rig.services.store.transaction() as tx:
            (racing,) = await tx.store_updates([new(9, 10)], now, ("replica-b", until))
    assert racing.leased_until is None  # the read's turn check decides between them
    async with rig.services.store.transaction() as tx:
        rows = await tx.queues_items([8, 9, 10], now, 20, by="replica-c", lease_until=until)
    # Another reader leases nothing the inserts leased, nor a row out of its turn: 8's row
    # waits for replica a's replies, 10's second row for its first.
    found = {key: [(i.update_id, i.leased_until) for i in items] for key, items in rows.items()}
    assert found == {8: [(6, None)], 9: [], 10: []}


async def test_on_postgresql_a_row_leased_long_ago_is_leased_again_before_it_is_handled(
    rig: Rig,
) -> None:
    """A row that waited for a slot until little of its lease was left is leased again (the
    handler must commit inside its lease); one leased just now is handled as it is."""
    if sqlite(rig):
        pytest.skip("SQLite has one process: nothing to lease against")

    async def stored(update_id: int) -> InboxItem:
        payload = private_text(PATIENT, update_id, "/help")
        lease = rig.dispatcher.insert_lease()
        async with rig.services.store.transaction() as tx:
            (item,) = await tx.store_updates([rig.intake.prepare(payload)], now(), lease)
        assert item.leased_until is not None
        return item

    def now() -> dt.datetime:
        return rig.clock.now()

    fresh = await stored(1)
    with counted(rig.services.store) as statements:
        assert await rig.dispatcher._handle(fresh)
    assert leases(statements) == []
    waited = await stored(2)
    rig.clock.advance(LEASE - LEASE_MARGIN + dt.timedelta(seconds=1))
    with counted(rig.services.store) as statements:
        assert await rig.dispatcher._handle(waited)
    assert len(leases(statements)) == 1
    async with rig.services.store.transaction() as tx:
        assert await tx.inbox_counts() == {"done": 2}
