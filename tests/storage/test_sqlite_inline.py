"""The SQLite driver runs on the loop's thread and waits for a busy file without blocking it."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.storage import Store, make_engine
from bot.storage.migrate import upgrade_to_head
from bot.storage.sqlite_inline import InlineConnection

from .conftest import create_londoner


@pytest.fixture
async def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'stride.db'}"
    await upgrade_to_head(url)
    return url


@pytest.fixture
async def two_stores(url: str) -> AsyncIterator[tuple[Store, Store]]:
    """Two engines on one file in one process, as a test beside an in-process bot has."""
    first, second = Store.from_url(url), Store.from_url(url)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


class Ticker:
    """Counts event-loop turns: a blocked loop stops counting."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.ticks += 1

    def stop(self) -> None:
        self._task.cancel()


async def _register(store: Store, telegram_id: int) -> None:
    async with store.transaction() as tx:
        await create_londoner(tx, telegram_id)


async def test_statements_run_on_the_loops_thread_with_no_driver_thread(url: str) -> None:
    engine = make_engine(url)
    threads = threading.active_count()
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
        assert threading.active_count() == threads  # aiosqlite would have started one
    finally:
        await engine.dispose()


async def test_a_second_engine_in_this_process_waits_for_the_first_writer(
    two_stores: tuple[Store, Store],
) -> None:
    """SQLite's busy handler would block the loop, and the first writer with it: a stall,
    then "database is locked". The driver waits on the loop, so both commit."""
    first, second = two_stores
    ticker = Ticker()
    holding = asyncio.Event()

    async def slow_writer() -> None:
        async with first.transaction() as tx:
            await create_londoner(tx, 1)
            holding.set()
            await asyncio.sleep(0.3)  # holds the write lock across an await

    async def waiting_writer() -> float:
        await holding.wait()
        started = time.monotonic()
        await _register(second, 2)
        return time.monotonic() - started

    try:
        _, waited = await asyncio.gather(slow_writer(), waiting_writer())
    finally:
        ticker.stop()
    assert 0.2 < waited < 5
    assert ticker.ticks >= 15  # the loop kept running while the second writer waited
    async with second.transaction() as tx:
        assert len(await tx.all_patient_ids()) == 2


async def test_a_writer_in_another_process_is_waited_for_without_blocking_the_loop(
    url: str, tmp_path: Path
) -> None:
    path = url.removeprefix("sqlite:///")
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        "print('held', flush=True)\n"
        "time.sleep(0.5)\n"
        "c.execute('COMMIT')\n",
        path,
        stdout=asyncio.subprocess.PIPE,
    )
    store = Store.from_url(url)
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"held"
        ticker = Ticker()
        started = time.monotonic()
        try:
            await _register(store, 3)
        finally:
            ticker.stop()
        assert time.monotonic() - started > 0.2
        assert ticker.ticks >= 10
        async with store.transaction() as tx:
            assert len(await tx.all_patient_ids()) == 1
    finally:
        await asyncio.wait_for(holder.wait(), 10)
        await store.close()


async def test_a_lock_held_past_the_busy_timeout_fails_the_transaction_cleanly(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.storage.database.BUSY_TIMEOUT_MS", 200)
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    store = Store.from_url(url)
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            await _register(store, 4)
        assert 0.15 < time.monotonic() - started < 5
        blocker.execute("COMMIT")
        await _register(store, 4)  # the connection is usable once the lock is gone
        async with store.transaction() as tx:
            assert len(await tx.all_patient_ids()) == 1
    finally:
        blocker.close()
        await store.close()


async def test_a_transaction_takes_the_write_lock_with_its_first_statement(url: str) -> None:
    """BEGIN IMMEDIATE goes with the first statement (not as a statement of its own): from
    then on the transaction holds the write lock; one with no statement never takes it."""
    store = Store.from_url(url)
    other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)

    def can_write() -> bool:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return False
        other.execute("ROLLBACK")
        return True

    try:
        async with store.transaction() as tx:
            assert can_write()  # nothing run yet
            assert await tx.all_patient_ids() == []  # a read, yet the lock is taken
            assert not can_write()
        assert can_write()
        async with store.transaction():
            pass  # no statement: no BEGIN left over for the next transaction to inherit
        async with store.transaction() as tx:
            await create_londoner(tx, 7)
        assert can_write()
        async with store.transaction() as tx:
            assert await tx.all_patient_ids() != []
    finally:
        other.close()
        await store.close()
