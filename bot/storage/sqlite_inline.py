"""SQLite on the event loop's own thread: the driver behind Stride's SQLite engine.

aiosqlite runs every call (open a cursor, execute, fetch, close, commit) on a thread of its
own and hands each one over through a queue and back through the event loop. Measured here,
a transaction of two statements cost 688 µs of CPU through aiosqlite and 10.5 µs through
`sqlite3` directly: about 85 µs per hand-off, and an update made some 40 of them
(`docs/benchmarks.md`).
This driver has the interface SQLAlchemy's aiosqlite dialect expects of an aiosqlite
connection, and runs each call at once on the calling thread.

What this relies on, and why it holds for Stride:
- **Statements are short.** One process owns the file (`hold_sqlite_file`) with one pooled
  connection; an update's statements touch a few rows by index. Long statements (a report,
  a retention sweep over a large file) block the loop while they run; a clinic that large
  belongs on PostgreSQL.
- **Waiting for a lock never blocks the loop.** SQLite's own busy handler would sleep on
  this thread and, if the lock's holder is in this process (a second engine, a test's
  store), keep it from ever releasing it. The connection's busy timeout is therefore 0 and a
  busy database is waited for here, with `asyncio.sleep` between attempts, up to
  `busy_timeout` seconds: a statement outside a transaction (BEGIN IMMEDIATE, where the
  write lock is taken) and COMMIT are retried, since a busy one had no effect and SQLite
  documents both as safe to retry. A statement inside a transaction is not retried.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

# After the first busy answer, wait this long, doubling up to the cap, between attempts.
FIRST_PAUSE_S = 0.001
MAX_PAUSE_S = 0.05

T = TypeVar("T")


_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def is_busy(error: BaseException) -> bool:
    """SQLite's "database is locked" (or "table is locked"), whatever its extended code."""
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(error, sqlite3.OperationalError)
        and code is not None
        and (code & 0xFF in _BUSY_CODES)
    )


class InlineCursor:
    """An aiosqlite-shaped cursor whose coroutines finish without yielding (unless busy)."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        connection = self._connection
        await connection.begin_if_asked()
        if connection._conn.in_transaction:  # inside a transaction: never retried
            self._cursor.execute(sql, parameters or ())
        else:
            await connection.when_free(lambda: self._cursor.execute(sql, parameters or ()))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        await self._connection.begin_if_asked()
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _RunAtOnce:
    """Stands in for aiosqlite's request queue, which SQLAlchemy uses to set the isolation
    level: the request runs here and then, and its future is already done when awaited."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting caller, as aiosqlite does
            future.set_exception(error)


class InlineConnection:
    """An aiosqlite-shaped connection over a `sqlite3.Connection`, run on the caller's thread."""

    def __init__(self, conn: sqlite3.Connection, busy_timeout: float) -> None:
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn  # SQLAlchemy checks it is open
        self._tx = _RunAtOnce()
        self.busy_timeout = busy_timeout
        self._begin = False  # `begin_immediately` was asked: BEGIN before the next statement

    def begin_immediately(self) -> None:
        """Start the transaction with BEGIN IMMEDIATE (the write lock at once) right before
        its first statement: sent here, not as a statement of its own through SQLAlchemy,
        which cost as much CPU as one of the update's statements (issue 17)."""
        self._begin = True

    async def begin_if_asked(self) -> None:
        if self._begin:
            self._begin = False
            if not self._conn.in_transaction:
                await self.when_free(lambda: self._conn.execute("BEGIN IMMEDIATE"))

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def when_free(self, call: Callable[[], T]) -> T:
        """Run `call`; while the database is busy, wait without blocking the loop, retry."""
        deadline: float | None = None
        pause = FIRST_PAUSE_S
        while True:
            try:
                return call()
            except sqlite3.OperationalError as error:
                if not is_busy(error):
                    raise
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + self.busy_timeout
                if now >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, MAX_PAUSE_S)

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def commit(self) -> None:
        self._begin = False  # a transaction without statements: nothing to commit
        await self.when_free(self._conn.commit)

    async def rollback(self) -> None:
        self._begin = False
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's forced close, e.g. when a pooled connection is lost)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connector(path: str, busy_timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """The `async_creator` for SQLAlchemy's aiosqlite dialect on the file `path`."""

    async def connect() -> InlineConnection:
        # check_same_thread off as aiosqlite has it: a connection the garbage collector finds
        # may be closed from another thread. Only the event loop's thread uses it otherwise.
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        return InlineConnection(conn, busy_timeout)

    return connect
