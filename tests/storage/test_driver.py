"""The hot statements on asyncpg directly (`bot.storage.driver`), on PostgreSQL.

The driver path must be taken where it is meant to be (an ordinary update, the intake, the
"replies sent" marks), must leave the database exactly as the session path does, and must
fail the way the session does (SQLAlchemy's exceptions, a broken connection invalidated and
transient), since the inbox's retry rules read those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.inbox.transient import is_transient
from bot.storage import Store
from bot.storage import driver as driver_module
from bot.storage.database import make_engine
from bot.storage.driver import compiled, many_values
from bot.storage.inbox_models import InboxRow
from bot.storage.updates import NewUpdate, _store_statement
from tests.storage.test_statement_budget import counted

NOW = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)
UNTIL = NOW + dt.timedelta(seconds=30)


@pytest.fixture
async def pg(store: Store, database_url: str) -> AsyncIterator[Store]:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("the driver path is PostgreSQL's (asyncpg)")
    yield store


@contextmanager
def driver_calls() -> Iterator[list[str]]:
    """The SQL each driver statement ran, in order."""
    ran: list[str] = []
    original = driver_module.Driver._execute

    async def recording(self: Any, statement: Any, arguments: list[Any]) -> Any:
        ran.append(statement.sql)
        return await original(self, statement, arguments)

    driver_module.Driver._execute = recording  # type: ignore[method-assign]
    try:
        yield ran
    finally:
        driver_module.Driver._execute = original  # type: ignore[method-assign]


def new(update_id: int, queue: int | None, risk: bool = False) -> NewUpdate:
    payload = {"update_id": update_id, "message": {"text": "héllo ✓", "n": [1, 2]}}
    return NewUpdate(1, update_id, f"d{update_id}", payload, "message", queue, risk)


async def inbox_rows(store: Store) -> list[tuple[Any, ...]]:
    """Everything stored, ids aside (each store numbers its own rows)."""
    async with store.transaction() as tx:
        rows = await tx._session.execute(select(InboxRow).order_by(InboxRow.update_id))
        return [
            (
                r.update_id,
                r.digest,
                r.payload,
                r.kind,
                r.queue_key,
                r.risk,
                r.status,
                r.claimed_by,
                r.claimed_until,
                r.processed_at,
                r.replies,
                r.replies_state,
            )
            for r in rows.scalars()
        ]


async def exercise(store: Store) -> None:
    """The hot statements, as the intake, a handler and the reply marks run them."""
    lease = ("replica-a", UNTIL)
    async with store.statements() as tx:
        one = await tx.store_updates([new(1, 7)], NOW, lease)
    async with store.statements() as tx:  # a batch: flagged 3 is its queue's first
        batch = await tx.store_updates([new(2, 8), new(3, 8, risk=True), new(4, 9)], NOW, lease)
    async with store.statements() as tx:  # a redelivery is not stored again
        assert await tx.store_updates([new(4, 9)], NOW, lease) == []
    assert [(i.update_id, i.leased_until) for i in one + batch] == [
        (1, UNTIL),
        (2, None),
        (3, UNTIL),
        (4, UNTIL),
    ]
    replies = {"chat": 7, "messages": [{"parts": [{"text": "¿Qué tal?"}]}]}
    async with store.transaction() as tx:
        await tx.inbox_counts()  # the transaction has begun on its connection
        assert await tx.finish_inbox_item(one[0].id, NOW, replies=replies, lease=lease)
        assert await tx.finish_inbox_item(batch[2].id, NOW)
    async with store.transaction() as tx:
        await tx.inbox_counts()
        assert not await tx.finish_inbox_item(one[0].id, NOW)  # once only
    async with store.statements() as tx:
        await tx.replies_done([one[0].id, batch[2].id])


async def test_the_driver_leaves_the_database_as_the_session_does(
    pg: Store, database_url: str
) -> None:
    with driver_calls() as ran:
        await exercise(pg)
    assert len(ran) == 7  # 3 inserts, 3 finishes, 1 mark: every hot statement went direct
    direct = await inbox_rows(pg)
    by_session = Store(make_engine(database_url), driver=False)
    try:
        async with by_session.engine.begin() as connection:
            await connection.execute(text("DELETE FROM inbox"))
        with driver_calls() as ran:
            await exercise(by_session)
        assert ran == []
        assert await inbox_rows(by_session) == direct
    finally:
        await by_session.close()
    assert direct[0][2] == new(1, 7).payload  # JSON in and out
    assert direct[0][9] == NOW and direct[0][9].tzinfo is not None  # aware UTC, processed_at


async def test_an_ordinary_update_writes_through_the_driver_and_counts_its_statements(
    pg: Store, database_url: str
) -> None:
    """In the handler's transaction the patient load, the conversation write and the claim
    go direct, and /metrics still counts them."""
    from dialogs.events import Command, Press
    from tests.storage.test_statement_budget import SENDER, _data, services_for

    services = services_for(pg, database_url)
    handled = await services.pipeline.handle(SENDER, Command("start"), 1)
    async with pg.transaction() as tx:
        before = await tx.load_patient(SENDER.user_id, services.clock.now())
    assert before is not None
    with driver_calls() as ran, counted(pg) as seen:
        handled = await services.pipeline.handle(
            SENDER, Press(_data(services, handled.replies, "I agree")), 2
        )
    # The load and the writes go direct; the consent's own rows through the session, in
    # the same transaction.
    assert ran[0].startswith("SELECT patients.id")
    assert len(ran) > 1 and all(sql.startswith("UPDATE ") for sql in ran[1:])
    assert all(sql in seen for sql in ran)  # reported to the engine's listeners
    async with pg.transaction() as tx:
        state = await tx.load_patient(SENDER.user_id, services.clock.now())
    assert state is not None and state.conversation.flow == "onboarding"
    assert state.conversation != before.conversation  # the direct write is in the database


async def test_a_driver_error_is_sqlalchemys(pg: Store) -> None:
    async with pg.statements() as tx:
        (item,) = await tx.store_updates([new(1, 7)], NOW)
    with pytest.raises(IntegrityError):  # a status the check constraint refuses
        async with pg.transaction() as tx:
            await tx.inbox_counts()
            assert await tx._driver_now() is not None
            await tx.finish_inbox_item(item.id, NOW, status="nonsense")
    async with pg.transaction() as tx:  # rolled back: still pending, and done once
        await tx.inbox_counts()
        assert await tx.finish_inbox_item(item.id, NOW)


async def test_a_driver_statement_on_a_dead_connection_is_transient_and_invalidates_it(
    pg: Store,
) -> None:
    async with pg.statements() as tx:
        (item,) = await tx.store_updates([new(1, 7)], NOW)
    with pytest.raises(OperationalError) as broken:
        async with pg.transaction() as tx:
            await tx.inbox_counts()
            driver = await tx._driver_now()
            assert driver is not None
            await driver._raw.close()  # the server went away under the transaction
            await tx.finish_inbox_item(item.id, NOW)
    assert broken.value.connection_invalidated and is_transient(broken.value)
    async with pg.transaction() as tx:
        await tx.inbox_counts()
        assert await tx.finish_inbox_item(item.id, NOW)


def test_a_batch_insert_is_one_statement_with_its_values_renumbered() -> None:
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    keys = frozenset(
        [
            "bot_id",
            "update_id",
            "digest",
            "payload",
            "kind",
            "queue_key",
            "risk",
            "status",
            "attempts",
            "received_at",
            "q",
            "lock_q",
            "claimed_by",
            "until",
            "now",
        ]
    )
    single = compiled(_store_statement("postgresql"), dialect, keys)
    width = len(single.names)
    three = many_values(single, 3)
    assert three.sql.count("INSERT INTO inbox") == 1
    assert three.sql.count("pg_try_advisory_xact_lock") == 3
    assert f"${3 * width}" in three.sql and f"${3 * width + 1}" not in three.sql
    assert three.sql.endswith(single.sql[single.sql.index(" ON CONFLICT") :])
    assert len(three.names) == 3 * width


def test_statements_the_driver_cannot_run_are_refused() -> None:
    from bot.storage.updates import _REPLIES_DONE

    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="expanding"):
        compiled(_REPLIES_DONE, dialect, frozenset({"ids", "state"}))


async def test_a_batch_larger_than_one_driver_insert_goes_through_the_session(
    pg: Store,
) -> None:
    with driver_calls() as ran:
        async with pg.statements() as tx:
            stored = await tx.store_updates([new(n, n % 7) for n in range(101)], NOW)
    assert ran == [] and len(stored) == 101
    with driver_calls() as ran:
        async with pg.statements() as tx:
            stored = await tx.store_updates([new(n, n % 7) for n in range(101, 201)], NOW)
    assert len(ran) == 1 and len(stored) == 100


def test_an_insert_with_parameters_outside_its_values_is_not_repeated_per_row() -> None:
    from sqlalchemy import bindparam
    from sqlalchemy.dialects.postgresql import insert

    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    upsert = insert(InboxRow.__table__).on_conflict_do_update(
        index_elements=["id"], set_={"kind": bindparam("other_kind")}
    )
    single = compiled(upsert, dialect, frozenset({"id", "kind", "other_kind"}))
    with pytest.raises(ValueError, match="outside the VALUES"):
        many_values(single, 2)


@contextmanager
def sessions_made() -> Iterator[list[object]]:
    """Every SQLAlchemy session the store makes meanwhile."""
    from bot.storage import repository

    made: list[object] = []
    original = repository.AsyncSession

    class Counted(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            made.append(self)
            super().__init__(*args, **kwargs)

    repository.AsyncSession = Counted  # type: ignore[misc]
    try:
        yield made
    finally:
        repository.AsyncSession = original  # type: ignore[misc]


async def test_an_inbox_phq9_answer_runs_every_statement_on_the_driver(
    pg: Store, database_url: str
) -> None:
    """The ordinary update, as the dispatcher runs it: the load, the conversation write and
    the inbox row marked done all go direct, in the driver's transaction; no session is
    made for it."""
    from bot.inbox.current import CURRENT, Handling
    from dialogs.events import Press
    from tests.storage.test_statement_budget import SENDER, _data, at_the_phq9, services_for

    services = services_for(pg, database_url)
    pipeline = services.pipeline
    handled = await at_the_phq9(services)
    for update_id in range(4, 7):  # PHQ-9 items 1-3
        async with pg.statements() as tx:
            (item,) = await tx.store_updates([new(update_id, SENDER.chat_id)], NOW)
        token = CURRENT.set(
            Handling(item.id, update_id, False, reply_chat=SENDER.chat_id, pressed_message_id=1)
        )
        try:
            with driver_calls() as ran, counted(pg) as seen, sessions_made() as made:
                press = Press(_data(services, handled.replies, "Several days"))
                handled = await pipeline.handle(SENDER, press, update_id)
        finally:
            CURRENT.reset(token)
        assert [sql.split()[:3] for sql in ran] == [
            ["SELECT", "patients.id,", "patients.code,"],
            ["UPDATE", "conversations", "SET"],
            ["UPDATE", "inbox", "SET"],
        ]
        assert seen == ran and made == []
    async with pg.transaction() as tx:
        state = await tx.load_patient(SENDER.user_id, services.clock.now())
        stored = await tx.inbox_item(item.id)
    assert state is not None and len(state.conversation.data.get("answers", {})) == 3
    assert stored is not None and stored.status == "done"


async def pooled_connection_in_transaction(store: Store) -> bool:
    """Whether the connection the pool hands out next is inside a server transaction."""
    async with store.engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        return bool(raw.is_in_transaction())


async def count_rows(store: Store, table: str) -> int:
    async with store.engine.connect() as connection:
        return int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_direct_and_session_statements_share_one_transaction(pg: Store) -> None:
    """The driver owns the handler's transaction: what the session runs inside it (here an
    ORM row flushed at the commit) commits and rolls back with the direct statements."""
    from dialogs.records import AuditEvent

    event = AuditEvent(action="both", actor="test", subject="p1")
    with driver_calls() as ran, pytest.raises(RuntimeError, match="after both"):
        async with pg.transaction() as tx:
            await tx.store_updates([new(1, 7)], NOW)
            await tx.add_audit(event, NOW)
            await tx._session.flush()
            raise RuntimeError("after both")
    assert len(ran) == 1  # the insert went direct
    assert await count_rows(pg, "inbox") == 0
    assert await count_rows(pg, "audit_log WHERE actor = 'test'") == 0
    assert not await pooled_connection_in_transaction(pg)
    with driver_calls() as ran:
        async with pg.transaction() as tx:
            await tx.store_updates([new(1, 7)], NOW)
            await tx.add_audit(event, NOW)  # flushed by the commit
    assert len(ran) == 1
    assert await count_rows(pg, "inbox") == 1
    assert await count_rows(pg, "audit_log WHERE actor = 'test'") == 1
    assert not await pooled_connection_in_transaction(pg)


async def test_row_locks_the_session_takes_last_until_the_drivers_commit(pg: Store) -> None:
    """`FOR UPDATE SKIP LOCKED` run by the session inside the driver's transaction: a second
    replica skips the rows until the first commits, so no replies are sent twice."""
    replies = {"chat": 7, "messages": [{"parts": [{"text": "hola"}]}]}
    async with pg.statements() as tx:
        (item,) = await tx.store_updates([new(1, 7)], NOW)
    async with pg.transaction() as tx:
        assert await tx.finish_inbox_item(item.id, NOW, replies=replies, lease=("a", NOW))
    later = NOW + dt.timedelta(minutes=1)  # the handler's lease ran out: the row is free
    async with pg.transaction() as first:
        (claimed,) = await first.claim_unsent_replies(
            "replica-a", UNTIL + dt.timedelta(minutes=1), later
        )
        assert claimed.item_id == item.id
        async with pg.transaction() as second:  # another connection, while the first is open
            assert await second.claim_unsent_replies("replica-b", UNTIL, later) == []
    async with pg.transaction() as third:  # committed: leased to replica-a, still skipped
        assert await third.claim_unsent_replies("replica-b", UNTIL, later) == []


async def test_a_cancelled_transaction_writes_nothing_and_pools_no_open_transaction(
    pg: Store,
) -> None:
    import asyncio

    inside = asyncio.Event()

    async def cancelled_inside() -> None:
        async with pg.transaction() as tx:
            await tx.store_updates([new(1, 7)], NOW)
            inside.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(cancelled_inside())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await count_rows(pg, "inbox") == 0
    for _ in range(3):  # whichever pooled connection comes next
        assert not await pooled_connection_in_transaction(pg)


async def test_a_commit_the_server_turned_into_a_rollback_is_not_reported_done(
    pg: Store,
) -> None:
    """A statement failed and its error was caught: PostgreSQL answers COMMIT with ROLLBACK.
    The block's work is gone, so the transaction must fail, not return as if committed."""
    with pytest.raises(Exception, match="rolled back"):
        async with pg.transaction() as tx:
            await tx.store_updates([new(1, 7)], NOW)
            with pytest.raises(IntegrityError):
                await tx._session.execute(text("INSERT INTO inbox (id) VALUES (NULL)"))
    assert await count_rows(pg, "inbox") == 0
    assert not await pooled_connection_in_transaction(pg)


async def test_a_transaction_that_cannot_be_rolled_back_loses_its_connection(
    pg: Store,
) -> None:
    with pytest.raises(RuntimeError, match="then fails"):
        async with pg.transaction() as tx:
            await tx.store_updates([new(1, 7)], NOW)
            driver = await tx._driver_now()
            assert driver is not None

            async def refused(_command: str) -> str:
                raise OSError("the network went")

            driver._control = refused  # type: ignore[method-assign]
            raise RuntimeError("the block then fails")
    # The connection, still inside its transaction, was invalidated, not pooled.
    assert not await pooled_connection_in_transaction(pg)
    assert await count_rows(pg, "inbox") == 0
    async with pg.transaction() as tx:
        assert len(await tx.store_updates([new(1, 7)], NOW)) == 1
