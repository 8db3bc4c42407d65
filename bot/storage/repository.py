"""The storage entry point: a `Store` hands out `Transaction`s.

One transaction per handled update (or scheduled job) is the rule: everything it writes is
committed together when the `async with` block ends normally, and nothing is written if it
raises. Nothing in storage reads the clock; callers pass `now`, so tests and the sandbox
control time.

    async with store.transaction() as tx:
        if not await tx.claim_update(update.update_id, now):
            return
        state = await tx.load_patient(user_id, now)
        ...
        escalation_ids = await tx.save(state, outcome, now)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.audit import AuditMixin
from bot.storage.backlog import BacklogMixin
from bot.storage.care import CareMixin
from bot.storage.care_outbox import CareOutboxMixin
from bot.storage.database import is_inline, make_engine
from bot.storage.driver import Driver
from bot.storage.escalations import EscalationsMixin
from bot.storage.groups import GroupsMixin
from bot.storage.nudges import NudgesMixin
from bot.storage.outbox import OutboxMixin
from bot.storage.patients import PatientsMixin
from bot.storage.scope import DriverSource
from bot.storage.summaries import SummariesMixin
from bot.storage.updates import LeasesMixin, UpdatesMixin

log = logging.getLogger(__name__)


class Transaction(
    PatientsMixin,
    EscalationsMixin,
    OutboxMixin,
    AuditMixin,
    UpdatesMixin,
    LeasesMixin,
    SummariesMixin,
    NudgesMixin,
    GroupsMixin,
    CareMixin,  # care team (issue 15)
    CareOutboxMixin,  # relayed messages to patients (bot/care/outbox.py)
    BacklogMixin,
):
    """All storage operations, sharing one database transaction."""


async def _abandon(tx: Transaction, driver: Driver) -> None:
    """Roll back after the block (or the commit) failed, keeping the block's error: a
    rollback that fails leaves the connection in its transaction, to be invalidated."""
    try:
        await tx.end_session(commit=False)
        await driver.rollback()
    except Exception as error:
        log.warning("rollback failed (%s); the connection is dropped", type(error).__name__)


def _sessions_on(connection: AsyncConnection) -> Callable[[], AsyncSession]:
    """How a transaction makes its session on `connection`, when a statement needs one."""
    return lambda: AsyncSession(bind=connection, expire_on_commit=False)


class Store:
    def __init__(self, engine: AsyncEngine, *, driver: bool | None = None) -> None:
        """`driver`: run the hot statements on asyncpg directly, and let the driver begin
        and end transactions (`bot.storage.driver`); by default wherever the engine's
        driver is asyncpg. Off, PostgreSQL goes through SQLAlchemy's session as SQLite does."""
        self.engine = engine
        # Records handed out are plain copies, so rows never need reloading after commit.
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._inline = is_inline(engine)
        # PostgreSQL only: connections whose statements commit as they run (`statements`),
        # or run in the driver's transaction (`_driver_transaction`).
        self._autocommit = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else None
        )
        self._driver = engine.dialect.driver == "asyncpg" if driver is None else driver

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(make_engine(url))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Commit on normal exit, roll back if the block raises; then `after_commit`."""
        if self._driver and self._autocommit is not None:
            async with self._driver_transaction() as tx:
                yield tx
        else:
            async with self._session() as session, session.begin():
                tx = Transaction(session)
                yield tx
        for callback in tx.after_commit:
            callback()

    @asynccontextmanager
    async def _driver_transaction(self) -> AsyncIterator[Transaction]:
        """A transaction the driver begins and ends (PostgreSQL, issue 17).

        The connection is in autocommit for SQLAlchemy, so it sends no BEGIN or COMMIT of
        its own: whatever the session runs on it (made only when a statement needs it) goes
        into the driver's transaction, and the statements every update runs skip SQLAlchemy
        altogether. The session's commit only flushes; the driver's COMMIT is the commit.

        SQLAlchemy's pool would hand back a connection still in a transaction it never saw,
        so a transaction that could not be ended (a failed ROLLBACK, a cancellation inside
        it) costs its connection: it is invalidated, never pooled.
        """
        assert self._autocommit is not None
        async with self._autocommit.connect() as connection:
            driver = await Driver.of(connection, in_transaction=True)

            async def source() -> Driver:
                return driver

            tx = Transaction(_sessions_on(connection), source)
            try:
                await driver.begin()
                yield tx
                await tx.end_session(commit=True)
                await driver.commit()
            except BaseException:
                await _abandon(tx, driver)
                raise
            finally:
                if not connection.closed and driver.in_transaction_now:
                    await driver.invalidate()

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """A session, closed on exit.

        `async with session` closes it in a task of its own, shielded, so that a
        cancellation cannot cut the close short on a driver that awaits the network. On
        SQLite's inline driver nothing in the close yields to the loop, so a cancellation
        cannot land in it: closing directly saves the task and three turns of the event loop
        per transaction (about 30 µs of CPU, issue 17)."""
        session = self._sessions()
        if not self._inline:
            async with session:
                yield session
            return
        try:
            yield session
        finally:
            await session.close()

    @asynccontextmanager
    async def statements(self) -> AsyncIterator[Transaction]:
        """For work whose statements each stand alone (the intake's insert, the "replies
        sent" marks): nothing to roll back together, so on PostgreSQL each statement commits
        as it runs, without the BEGIN and COMMIT round trips that made up most of a
        one-statement transaction's CPU (issue 17). On SQLite, where they cost little and
        BEGIN IMMEDIATE orders the writers, an ordinary transaction."""
        if self._autocommit is None:
            async with self.transaction() as tx:
                yield tx
            return
        async with self._autocommit.connect() as connection:
            # The hot statement (the insert, the marks) goes to the driver with no session
            # work at all; the session, on the same connection, serves the rare others.
            tx = Transaction(_sessions_on(connection), self._autocommit_driver(connection))
            try:
                yield tx
            except BaseException:
                await tx.end_session(commit=False)
                raise
            await tx.end_session(commit=True)
        for callback in tx.after_commit:
            callback()

    def _autocommit_driver(self, connection: AsyncConnection) -> DriverSource | None:
        if not self._driver:
            return None

        async def driver() -> Driver:
            return await Driver.of(connection, in_transaction=False)

        return driver

    async def close(self) -> None:
        await self.engine.dispose()
