"""One shape for every long-running part of Stride, and a leader lock for running them once.

Background work (the escalation relay, the nudge scheduler, the group runner, the metrics
server) used to start three different ways. Each is a `Worker` here: `start`, `stop`,
`health`. `Workers` starts them in order and stops them in reverse, so shutdown on SIGTERM
finishes what is in flight in a known order.

With several replicas on PostgreSQL, a job that must run exactly once (sending due nudges,
re-escalating alerts) is wrapped in `Leader(worker, LeaderLock(engine, "nudges"))`: every
replica runs the wrapper, only the one holding PostgreSQL's advisory lock runs the worker.
The lock is session-level and lives on one dedicated connection, so when the holder dies
its connection closes and PostgreSQL frees the lock at once; a standby polling every
`poll_seconds` takes over within that time. On SQLite there is one process (the file is
held, see bot.storage.database), so the lock is always granted.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 2.0


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""


@runtime_checkable
class Worker(Protocol):
    """A long-running part: `start` returns once it runs, `stop` once it has finished."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def health(self) -> Health: ...


class Workers:
    """The application's workers: started in order, stopped in reverse."""

    def __init__(self, workers: Sequence[Worker] = ()) -> None:
        self._workers: list[Worker] = list(workers)
        self._started: list[Worker] = []

    def add(self, worker: Worker) -> None:
        self._workers.append(worker)

    async def start(self) -> None:
        for worker in self._workers:
            await worker.start()
            self._started.append(worker)

    async def stop(self) -> None:
        while self._started:
            worker = self._started.pop()
            try:
                await worker.stop()
            except Exception:  # one worker's failure must not keep the others running
                log.exception("worker %s failed to stop", worker.name)

    def health(self) -> dict[str, Health]:
        return {worker.name: worker.health() for worker in self._workers}


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` (same in every replica)."""
    digest = hashlib.sha256(f"stride:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LeaderLock:
    """PostgreSQL's session advisory lock `name` on a connection of its own."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._connection: AsyncConnection | None = None
        self.held = False

    @property
    def shared(self) -> bool:
        """False on SQLite: one process per file, so this process always leads."""
        return self.engine.dialect.name == "postgresql"

    async def try_acquire(self) -> bool:
        """True if this process holds the lock now (acquiring it if free)."""
        if not self.shared:
            self.held = True
            return True
        try:
            if self._connection is None:
                self._connection = await self.engine.connect()
            if self.held:  # still ours if the connection still answers
                await self._connection.execute(text("SELECT 1"))
            else:
                got = await self._connection.scalar(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                )
                self.held = bool(got)
            await self._connection.commit()  # never sit idle in a transaction
        except (DBAPIError, SQLAlchemyError, OSError) as error:
            log.warning("leader lock %s: connection lost (%s)", self.name, error)
            await self._drop_connection()
        return self.held

    async def release(self) -> None:
        if self.shared and self._connection is not None and self.held:
            with contextlib.suppress(DBAPIError, SQLAlchemyError, OSError):
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                )
                await self._connection.commit()
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        self.held = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()
                await connection.close()


class Leader:
    """Runs `worker` only while this process holds `lock`; every replica runs a `Leader`."""

    def __init__(
        self, worker: Worker, lock: LeaderLock, poll_seconds: float = DEFAULT_POLL_SECONDS
    ) -> None:
        self.worker = worker
        self.lock = lock
        self.poll_seconds = poll_seconds
        self.name = f"{worker.name} (leader lock {lock.name})"
        self.leading = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            held = await self.lock.try_acquire()
            if held and not self.leading.is_set():
                log.info("%s: this process leads; starting", self.name)
                await self.worker.start()
                self.leading.set()
            elif not held and self.leading.is_set():
                log.warning("%s: leadership lost; stopping", self.name)
                self.leading.clear()
                await self.worker.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.poll_seconds)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None
        if self.leading.is_set():
            self.leading.clear()
            await self.worker.stop()
        await self.lock.release()

    def health(self) -> Health:
        if not self.leading.is_set():
            return Health(True, "standby")
        inner = self.worker.health()
        return Health(inner.ok, f"leader; {inner.detail}".rstrip("; "))
