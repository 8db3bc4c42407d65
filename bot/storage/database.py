"""Engine construction: one place that knows how each database must be configured.

Operators write the URLs they know (`sqlite:///stride.db`, `postgres://…` from a hosting
panel); Stride only runs on async drivers, so URLs are normalised here rather than rejected.

SQLite needs care to behave under a bot that serves many users at once:
- WAL lets readers proceed while one writer commits;
- `foreign_keys=ON` because SQLite ignores foreign keys unless asked, per connection;
- `busy_timeout` makes a second writer wait instead of failing at once;
- `BEGIN IMMEDIATE` takes the write lock when a transaction starts. A deferred transaction
  that reads and then writes cannot wait for the lock (SQLite reports "database is locked"
  at once to avoid a deadlock), so without it the busy timeout would not help.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

_ASYNC_SCHEMES = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}

BUSY_TIMEOUT_MS = 5000


def normalise_url(url: str) -> str:
    """Return `url` with the async driver Stride uses; other URLs pass through unchanged."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    return f"{_ASYNC_SCHEMES.get(scheme, scheme)}://{rest}"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for `url`, configured for its backend (see module docstring)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite":
        _ensure_parent_folder(parsed.database)
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _ensure_parent_folder(database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver must not open transactions itself: `_on_begin` does it, immediately.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
