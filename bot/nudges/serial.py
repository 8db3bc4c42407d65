"""The store, one nudge transaction at a time.

Stride's SQLite transactions all take the writer lock (`BEGIN IMMEDIATE`, see
bot/storage/database.py), and SQLite hands a busy lock to waiters by polling with growing
sleeps, which is not fair: with a dozen nudge transactions waiting at once (senders marking
slots sent, the batch being claimed, planning), one can starve past the 5 s busy timeout and
fail with "database is locked" — after its message went out. Queuing them here first (an
asyncio lock is first come, first served) means the database sees at most one nudge
transaction at a time, beside whatever the conversations are writing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from bot.storage.repository import Store, Transaction


class Transactions(Protocol):
    """What the nudge code needs of a store: `Store` itself, or `SerialStore`."""

    def transaction(self) -> AbstractAsyncContextManager[Transaction]: ...


class SerialStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._turn = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._turn, self.store.transaction() as tx:
            yield tx
