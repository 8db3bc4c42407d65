"""Engine set-up: URL normalisation and the SQLite settings concurrency depends on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage import Store, make_engine, normalise_url
from bot.storage.database import is_inline
from bot.storage.migrate import upgrade_to_head
from bot.storage.updates import NewUpdate

from .conftest import NOW, create_londoner


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///data/stride.db", "sqlite+aiosqlite:///data/stride.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("postgresql://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgres://u:p@h:5433/db", "postgresql+asyncpg://u:p@h:5433/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_normalise_url(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


async def test_sqlite_engine_creates_folder_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "stride.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert path.exists()
    # SQLite's own busy handler would block the event loop: the driver waits instead.
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 0}


async def test_concurrent_read_then_write_transactions_wait_instead_of_failing(
    tmp_path: Path,
) -> None:
    """Two updates read, pause, then write: on SQLite the second must wait, not error."""
    url = f"sqlite:///{tmp_path / 'stride.db'}"
    await upgrade_to_head(url)
    store = Store.from_url(url)
    try:

        async def register(telegram_id: int) -> None:
            async with store.transaction() as tx:
                await tx.all_patient_ids()
                await asyncio.sleep(0.05)
                await create_londoner(tx, telegram_id)

        await asyncio.gather(*(register(i) for i in range(1, 6)))
        async with store.transaction() as tx:
            assert len(await tx.all_patient_ids()) == 5
    finally:
        await store.close()


async def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError):
        async with store.transaction() as tx:
            await tx.add_deliveries(999, 0, [1], NOW)  # there is no escalation 999


async def test_standalone_statements_commit_as_they_run_only_on_postgresql(store: Store) -> None:
    """`Store.statements` is for work whose statements each stand alone (the intake, the
    reply marks): PostgreSQL commits each as it runs (no BEGIN/COMMIT round trips), so an
    error after it undoes nothing; on SQLite it is an ordinary transaction."""
    update = NewUpdate(1, 1, "d", {"update_id": 1}, "message", 5, False)
    committed: list[str] = []
    with pytest.raises(RuntimeError):
        async with store.statements() as tx:
            await tx.store_updates([update], NOW)
            tx.after_commit.append(lambda: committed.append("never"))
            raise RuntimeError("after the insert")
    async with store.statements() as tx:
        tx.after_commit.append(lambda: committed.append("after"))
    async with store.transaction() as tx:
        counts = await tx.inbox_counts()
    postgres = store.engine.dialect.name == "postgresql"
    assert counts == ({"pending": 1} if postgres else {})
    assert committed == ["after"]


async def test_a_cancelled_transaction_rolls_back_and_gives_its_connection_back(
    store: Store,
) -> None:
    """A handler cancelled inside its transaction (shutdown, a lost race) leaves nothing
    written and the connection free: on SQLite the session is closed in the cancelled task
    itself (`Store._session`), and the one pooled connection must still come back."""
    inside = asyncio.Event()

    async def register_then_wait() -> None:
        async with store.transaction() as tx:
            await create_londoner(tx, 7)
            inside.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(register_then_wait())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    async def register_another() -> int:
        async with store.transaction() as tx:
            return (await create_londoner(tx, 8)).patient.telegram_id

    assert await asyncio.wait_for(register_another(), 5) == 8
    async with store.transaction() as tx:
        assert await tx.load_patient(7, NOW) is None


async def test_only_a_sqlite_file_runs_inline(tmp_path: Path, store: Store) -> None:
    file_engine = make_engine(f"sqlite:///{tmp_path / 'stride.db'}")
    memory_engine = make_engine("sqlite:///:memory:")
    try:
        assert is_inline(file_engine)
        assert not is_inline(memory_engine)
        assert is_inline(store.engine) == (store.engine.dialect.name == "sqlite")
    finally:
        await file_engine.dispose()
        await memory_engine.dispose()


async def test_connections_opened_are_counted_for_metrics(tmp_path: Path) -> None:
    """A pool too small for the load keeps opening connections: /metrics shows it."""
    from bot.metrics import DATABASE_CONNECTIONS

    before = DATABASE_CONNECTIONS._value.get()
    store = Store(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'count.db'}"))
    try:
        for _ in range(3):  # one pooled connection, reused
            async with store.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert DATABASE_CONNECTIONS._value.get() == before + 1
        await store.engine.dispose()  # the pool is emptied: the next use connects
        async with store.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        assert DATABASE_CONNECTIONS._value.get() == before + 2
    finally:
        await store.close()


def test_postgresql_pool_holds_what_the_dispatcher_uses_at_once() -> None:
    """Handlers in every processing slot, the intake, the reply marks and the workers at
    once: a pool smaller than that would open and close overflow connections all day,
    each paying the connection and its statements' preparation again."""
    from bot.inbox.dispatcher import SAFETY_SLOTS, SLOTS

    engine = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/never")  # never connects
    assert engine.pool.size() >= SLOTS + SAFETY_SLOTS + 2  # type: ignore[attr-defined]
    smaller = make_engine("postgresql://postgres@127.0.0.1:1/never", pool_size=3)
    assert smaller.pool.size() == 3  # type: ignore[attr-defined]
