"""What every part of a `Transaction` shares: the session, and one dialect-specific helper.

The transaction's methods live in a few small mixins (patients, escalations, outbox, …);
each reaches the database through `self._session`, so they all share one unit of work. On
PostgreSQL the few statements every update runs may go to the driver instead (`_driver_now`,
`bot.storage.driver`): the same connection and transaction, without SQLAlchemy's execution;
there the session is made only when a statement needs it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import CursorResult, Insert, Select, Table, Update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from bot.storage.driver import Driver

# How a transaction reaches its connection's driver (`Store`).
DriverSource = Callable[[], Awaitable[Driver]]


def insert_ignoring_duplicates(
    dialect: str, target: type[DeclarativeBase] | Table, unique: Sequence[str]
) -> Insert:
    """INSERT … ON CONFLICT (unique) DO NOTHING, on SQLite and PostgreSQL alike.

    Checking first and inserting after would race with a concurrent transaction; letting
    the database skip duplicates keeps idempotent writes idempotent under concurrency.
    """
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"no idempotent insert for the {dialect} dialect")
    return insert(target).on_conflict_do_nothing(index_elements=unique)


class SessionScope:
    def __init__(
        self,
        session: AsyncSession | Callable[[], AsyncSession],
        driver: DriverSource | None = None,
    ) -> None:
        """`session`: the session, or how to make it when a statement first needs it (on
        PostgreSQL an ordinary update's transaction runs every statement on the driver, and
        building a session it never uses cost CPU of its own, issue 17)."""
        if isinstance(session, AsyncSession):
            self._made: AsyncSession | None = session
            self._make: Callable[[], AsyncSession] | None = None
        else:
            self._made, self._make = None, session
        self.after_commit: list[Callable[[], None]] = []  # run once the commit succeeded
        self._driver_source = driver
        self._driver: Driver | None = None

    @property
    def _session(self) -> AsyncSession:
        if self._made is None:
            assert self._make is not None
            self._made = self._make()
        return self._made

    async def end_session(self, *, commit: bool) -> None:
        """End the session's own unit of work, if a statement made one: commit flushes it.
        On a connection in autocommit (PostgreSQL's `Store`) this sends no COMMIT or
        ROLLBACK: the transaction, if any, is the driver's."""
        session = self._made
        if session is not None and session.in_transaction():
            await (session.commit() if commit else session.rollback())

    async def _hot_rows(
        self,
        statement: Select[Any] | Update,
        params: dict[str, Any],
        direct: Update | None = None,
    ) -> Sequence[Sequence[Any]]:
        """The rows of one of the statements every update runs: on the driver when it can
        take it now (`direct`: the form the driver runs, where it differs), else through
        the session. No rows for a statement that returns none."""
        driver = await self._driver_now()
        if driver is not None:
            return await driver.rows(statement if direct is None else direct, params)
        result = await self._session.execute(statement, params)
        if isinstance(result, CursorResult) and not result.returns_rows:
            return []  # an UPDATE without RETURNING
        return result.all()

    async def _driver_now(self) -> Driver | None:
        """The driver for a hot statement, or None to go through the session: on other
        databases, outside a transaction begun on the connection, and while the session
        holds ORM changes not yet flushed (the session would flush them first)."""
        if self._driver_source is None:
            return None
        session = self._made
        if session is not None and (session.new or session.dirty or session.deleted):
            return None
        if self._driver is None:
            self._driver = await self._driver_source()
        return self._driver if self._driver.usable else None

    def _insert_ignoring_duplicates(
        self,
        model: type[DeclarativeBase],
        rows: Sequence[dict[str, Any]],
        unique: Sequence[str],
    ) -> Insert:
        """`insert_ignoring_duplicates` of `rows` on this session's database."""
        dialect = self._session.get_bind().dialect.name
        return insert_ignoring_duplicates(dialect, model, unique).values(rows)
