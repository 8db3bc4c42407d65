"""Engine construction: one place that knows how each database must be configured.

Operators write the URLs they know (`sqlite:///stride.db`, `postgres://…` from a hosting
panel); Stride only runs on async drivers, so URLs are normalised here rather than rejected.

SQLite is an embedded database: one process, one writer at a time. Stride treats it so:
- WAL lets readers proceed while one writer commits;
- `foreign_keys=ON` because SQLite ignores foreign keys unless asked, per connection;
- a busy timeout makes a writer from another process (a migration, `stride doctor`) wait
  instead of failing at once; the driver (`sqlite_inline`) runs statements on the event
  loop's thread and waits for the lock itself, without blocking the loop;
- `BEGIN IMMEDIATE` takes the write lock when a transaction starts. A deferred transaction
  that reads and then writes cannot wait for the lock (SQLite reports "database is locked"
  at once to avoid a deadlock), so without it the busy timeout would not help;
- one pooled connection per process: transactions queue for it first come, first served
  (an asyncio queue), instead of a dozen connections polling SQLite's busy handler, which is
  not fair and let some transactions starve past the timeout ("database is locked" under
  a few hundred patients at once). Each transaction is short (one update), so the queue is.
- `hold_sqlite_file` keeps other Stride processes off the file: a second `stride run` on the
  same database would double every scheduled nudge and alert, so it stops with one line.

PostgreSQL: each process keeps `POSTGRES_POOL_SIZE` connections (and at most
`POSTGRES_POOL_OVERFLOW` more in a burst), enough for every processing slot of the inbox
dispatcher at once plus the intake, the reply marks and the workers. SQLAlchemy's default (5)
was not: under load `stride bench load` saw 13–18 connections opened and closed during one
run, each paying the connection and its statements' preparation again. A replica holds up to
24 connections, so PostgreSQL's default `max_connections` (100) serves four of them.
"""

from __future__ import annotations

import fcntl
import os
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from bot.storage.sqlite_inline import InlineConnection, connector

_ASYNC_SCHEMES = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}

BUSY_TIMEOUT_MS = 15_000
# How long a transaction may queue for SQLite's one connection: far longer than a burst of a
# few hundred short transactions takes, short enough that a stuck one is reported.
SQLITE_QUEUE_TIMEOUT_S = 120
POSTGRES_POOL_SIZE = 16  # SLOTS + SAFETY_SLOTS (bot.inbox.dispatcher) and a few more
POSTGRES_POOL_OVERFLOW = 8
_INLINE_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()  # see `is_inline`


def normalise_url(url: str) -> str:
    """Return `url` with the async driver Stride uses; other URLs pass through unchanged."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    return f"{_ASYNC_SCHEMES.get(scheme, scheme)}://{rest}"


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(normalise_url(url))
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database:
        return None
    if database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for `url`, configured for its backend (see module docstring)."""
    parsed = make_url(normalise_url(url))
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # On the loop's thread, waiting for locks without blocking it (`sqlite_inline`).
        inline = connector(str(path), BUSY_TIMEOUT_MS / 1000)
        kwargs.setdefault("async_creator", inline)
        if "poolclass" not in kwargs:
            kwargs = {
                "pool_size": 1,
                "max_overflow": 0,
                "pool_timeout": SQLITE_QUEUE_TIMEOUT_S,
                **kwargs,
            }
    elif parsed.get_backend_name() == "postgresql" and "poolclass" not in kwargs:
        pool = {"pool_size": POSTGRES_POOL_SIZE, "max_overflow": POSTGRES_POOL_OVERFLOW}
        kwargs = pool | kwargs
    engine = create_async_engine(parsed, **kwargs)
    if path is not None and kwargs["async_creator"] is inline:
        _INLINE_ENGINES.add(engine.sync_engine)
    _count_for_metrics(engine)
    if parsed.get_backend_name() == "sqlite":
        # The inline driver waits for a busy file itself; SQLite's handler would block.
        _configure_sqlite(engine, busy_timeout_ms=0 if path is not None else BUSY_TIMEOUT_MS)
    return engine


def is_inline(engine: AsyncEngine) -> bool:
    """Whether `engine` runs SQLite on the loop's thread (`sqlite_inline`): made by
    `make_engine` for a SQLite file, whose connections are `InlineConnection`s."""
    return engine.sync_engine in _INLINE_ENGINES


def _count_for_metrics(engine: AsyncEngine) -> None:
    """Statements, connections opened and driver errors feed /metrics (and the load
    benchmark's SQL per update)."""
    from bot import metrics

    event.listen(engine.sync_engine, "connect", metrics.count_connection)
    event.listen(engine.sync_engine, "before_cursor_execute", metrics.count_statement)
    event.listen(engine.sync_engine, "handle_error", metrics.count_database_error)


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver must not open transactions itself: `_on_begin` does it, immediately.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode, one fsync less
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        driver = connection.connection.driver_connection
        if isinstance(driver, InlineConnection):
            driver.begin_immediately()  # sent with the first statement: no round of its own
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class DatabaseInUse(Exception):
    """Another Stride process holds this SQLite file. `str(error)` is one line."""


@dataclass
class FileHold:
    """An exclusive lock on `<database>.lock`, held until `release` or the process ends."""

    path: Path
    fd: int

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = -1


def hold_sqlite_file(url: str) -> FileHold | None:
    """Claim a SQLite database for this process; None for PostgreSQL (replicas are fine there).

    The lock is `flock` on a file beside the database, so the kernel drops it when the process
    dies however it dies (SIGKILL, power cut): a restart never finds a stale lock.
    """
    path = sqlite_file(url)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        os.close(fd)
        by = f" (process {holder})" if holder else ""
        raise DatabaseInUse(
            f"{path} is in use by another Stride process{by}; SQLite allows one process — "
            "stop it, or use PostgreSQL to run several"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return FileHold(lock_path, fd)


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode().strip()
    except OSError:  # pragma: no cover - unreadable lock file: report without the pid
        return ""
