"""Exactly-once handling of Telegram updates: the durable inbox (see `inbox_models`).

Storing: every raw update is inserted (idempotently, per bot) and committed before Telegram
is told it arrived. Processing: a worker leases a row, runs its handlers, and the handler's
own transaction marks the row done (`finish_inbox_item`, a conditional UPDATE): if the
effects commit, so does the mark, and a second worker — or a second delivery — finds the row
done and changes nothing.

`claim_update` is the older, id-only claim for callers outside the inbox (tests, tools); it
logs loudly whenever it drops an update as a duplicate, never silently.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Insert,
    Integer,
    Row,
    Select,
    Table,
    Update,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.driver import MAX_INSERT_ROWS
from bot.storage.inbox_models import InboxRow
from bot.storage.models import ProcessedUpdateRow
from bot.storage.scope import SessionScope, insert_ignoring_duplicates

log = logging.getLogger(__name__)

PENDING, DONE, FAILED, POISON, COALESCED = "pending", "done", "failed", "poison", "coalesced"
REPLIES_PENDING, REPLIES_SENT, REPLIES_DROPPED = "pending", "sent", "dropped"


@dataclass(frozen=True)
class StoredReplies:
    """Replies stored with an inbox row and not known to be sent (see `bot.inbox.replies`)."""

    item_id: int
    update_id: int
    replies: dict[str, Any]
    superseded: bool


@dataclass(frozen=True)
class NewUpdate:
    """A raw update about to be stored (see `bot.inbox.intake`)."""

    bot_id: int
    update_id: int
    digest: str
    payload: dict[str, Any]
    kind: str
    queue_key: int | None
    risk: bool


@dataclass(frozen=True)
class InboxItem:
    id: int
    update_id: int
    kind: str
    queue_key: int | None
    risk: bool
    payload: dict[str, Any]
    attempts: int
    status: str = PENDING
    leased_until: dt.datetime | None = None  # leased to the reader by the read itself


def _item(row: InboxRow | Row[Any], leased_until: dt.datetime | None = None) -> InboxItem:
    """From the ORM row, or from a row of `_ITEM_COLUMNS` (the hot path reads columns)."""
    return InboxItem(
        id=row.id,
        update_id=row.update_id,
        kind=row.kind,
        queue_key=row.queue_key,
        risk=row.risk,
        payload=row.payload,
        attempts=row.attempts,
        status=row.status,
        leased_until=leased_until,
    )


INBOX: Table = InboxRow.__table__  # type: ignore[assignment]  # a Table at run time
_ITEM_COLUMNS = (
    InboxRow.id,
    InboxRow.update_id,
    InboxRow.kind,
    InboxRow.queue_key,
    InboxRow.risk,
    InboxRow.payload,
    InboxRow.attempts,
    InboxRow.status,
    InboxRow.claimed_until,
    InboxRow.claimed_by,
    InboxRow.next_attempt_at,
)


def _ready(now: Any, by: Any) -> Any:
    """Pending, due, and not leased by another live worker (`by`'s own leases do not count:
    a lease left by a failed attempt of this worker must not hold up its own retry)."""
    return and_(
        InboxRow.status == PENDING,
        or_(InboxRow.next_attempt_at.is_(None), InboxRow.next_attempt_at <= now),
        or_(
            InboxRow.claimed_until.is_(None),
            InboxRow.claimed_until <= now,
            InboxRow.claimed_by == by,
        ),
    )


def _its_turn(now: Any, by: Any) -> Any:
    """No older row of the same queue is still pending, or still sending its replies under
    another worker's live lease. Check and lease are one statement, so a process whose view
    of the queue is stale cannot take a row out of turn, and one person's answers are not
    sent by two processes at once (the row is done at the commit; its replies go after).

    A flagged row may jump older ordinary rows (safety first), but never runs beside one
    that another worker is handling right now, nor before an older flagged row; it does
    not wait for an older row's replies to go out.
    """
    older = aliased(InboxRow)
    in_progress = and_(
        older.claimed_until.is_not(None), older.claimed_until > now, older.claimed_by != by
    )
    return ~exists().where(
        older.queue_key == InboxRow.queue_key,
        older.id < InboxRow.id,
        or_(
            and_(
                older.status == PENDING,
                or_(InboxRow.risk.is_(False), older.risk.is_(True), in_progress),
            ),
            # Replies still going out hold back ordinary rows only: a flagged row must not
            # wait out the reply lease of a process that died while sending.
            and_(older.replies_state == REPLIES_PENDING, in_progress, InboxRow.risk.is_(False)),
        ),
    )


# ---------------------------------------------------------------------------- hot statements
# Built once: each update runs several of these, and building a statement (its conditions,
# its cache key) cost more CPU than SQLite took to run it. Only the bound values change.

_NOW = bindparam("now", type_=INBOX.c.claimed_until.type)


@functools.cache
def _store_statement(dialect: str) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the new rows' ids, run with one parameter set
    per update (SQLAlchemy sends them as one multi-row statement, cached by size).

    On PostgreSQL a row given a lease (`until`, its queue's first in the batch) is leased
    as it is inserted when its queue has nothing pending (`_free_queue`): the row a person's
    message starts is then handled with no read of its own (issue 17). A row whose queue
    has work, or one another transaction is storing right now, is leased by the read.
    """
    unique = ("bot_id", "update_id", "digest")
    insert = insert_ignoring_duplicates(dialect, INBOX, unique)
    if dialect == "postgresql":
        until = bindparam("until", type_=INBOX.c.claimed_until.type)
        insert = insert.values(claimed_until=case((_free_queue(), until), else_=None))
    return insert.returning(INBOX.c.update_id, INBOX.c.digest, INBOX.c.id, INBOX.c.claimed_until)


def _free_queue() -> ColumnElement[bool]:
    """The queue `q` has no row pending nor replies going out under a live lease, and no
    other transaction is storing a row for it now (a transaction-scoped advisory lock, taken
    without waiting: two intakes racing for one queue leave it to the read, whose turn check
    sees both rows)."""
    # Two names for one value: a multi-row INSERT renders each parameter once per row.
    queue = bindparam("q", type_=INBOX.c.queue_key.type)
    locked = bindparam("lock_q", type_=INBOX.c.queue_key.type)
    older = aliased(InboxRow)
    busy = exists().where(
        older.queue_key == queue,
        or_(
            older.status == PENDING,
            and_(older.replies_state == REPLIES_PENDING, older.claimed_until > _NOW),
        ),
    )
    return and_(func.pg_try_advisory_xact_lock(locked), ~busy)


@functools.cache
def _queues_statement(with_unkeyed: bool, lease: bool = False) -> Select[Any]:
    """The rows of the queues `keys` (and of the unkeyed queue), numbered per queue.

    With `lease` (PostgreSQL), the first row of each queue is leased to `by` in the same
    statement, if it is ready and its turn (`_leasing`): the row a queue handles next costs
    no statement of its own. The `leased` column says which.
    """
    mine: ColumnElement[bool] = INBOX.c.queue_key.in_(bindparam("keys", expanding=True))
    if with_unkeyed:
        mine = or_(mine, INBOX.c.queue_key.is_(None))
    position = (
        func.row_number()
        .over(partition_by=INBOX.c.queue_key, order_by=(INBOX.c.risk.desc(), INBOX.c.id))
        .label("position")
    )
    # Columns, not ORM objects: read on every update, and nothing here is written back.
    columns = [INBOX.c[column.key] for column in _ITEM_COLUMNS]
    rows = select(*columns, position).where(mine, INBOX.c.status == PENDING)
    numbered = rows.cte("numbered") if lease else rows.subquery()
    extra: list[Any] = []
    if lease:
        leased = _leasing(select(numbered.c.id).where(numbered.c.position == 1)).cte("leased")
        extra.append(numbered.c.id.in_(select(leased.c.id)).label("leased"))
    return (
        select(numbered, *extra)
        .where(numbered.c.position <= bindparam("limit"))
        .order_by(numbered.c.queue_key, numbered.c.position)
    )


def _leasing(ids: Any) -> Update:
    """Lease the rows `ids` to `by` until `until`, those ready and in turn (at `now`)."""
    return (
        update(INBOX)  # Core, not the ORM's bulk UPDATE: no session state to synchronise
        .where(
            INBOX.c.id.in_(ids),
            _ready(_NOW, bindparam("by")),
            _its_turn(_NOW, bindparam("by")),
        )
        .values(claimed_by=bindparam("by"), claimed_until=bindparam("until"))
        .returning(INBOX.c.id)
    )


_RISK = func.max(cast(INBOX.c.risk, Integer))  # PostgreSQL has no max(boolean)
_READY_QUEUES = (  # the dispatcher's poll, twice a second even when idle
    select(INBOX.c.queue_key, _RISK, func.min(INBOX.c.id))
    .where(_ready(_NOW, bindparam("by")))
    .group_by(INBOX.c.queue_key)
    .order_by(_RISK.desc(), func.min(INBOX.c.id))
    .limit(bindparam("limit"))
)
_LEASE = _leasing(bindparam("ids", expanding=True))
_FINISH = (
    update(INBOX)  # once per update, in the handler's transaction
    .where(INBOX.c.id == bindparam("item_id"), INBOX.c.status == PENDING)
    .values(
        status=bindparam("status"),
        processed_at=bindparam("now"),
        claimed_by=None,
        claimed_until=None,
        last_error=bindparam("error"),
    )
    .returning(INBOX.c.id)
)
_FINISH_WITH_REPLIES = _FINISH.values(
    replies=bindparam("replies"),
    replies_state=REPLIES_PENDING,
    claimed_by=bindparam("by"),
    claimed_until=bindparam("until"),
)


def _replies_done(ids: ColumnElement[bool]) -> Update:
    return (
        update(INBOX)
        .where(ids, INBOX.c.replies_state == REPLIES_PENDING)
        .values(replies_state=bindparam("state"), claimed_by=None, claimed_until=None)
    )


_REPLIES_DONE = _replies_done(INBOX.c.id.in_(bindparam("ids", expanding=True)))
# The same on the driver, which binds the ids as one array (`bot.storage.driver`).
_REPLIES_DONE_ANY = _replies_done(INBOX.c.id == any_(bindparam("ids", type_=ARRAY(Integer))))


def _first_of_each_queue(updates: Sequence[NewUpdate]) -> set[int]:
    """Positions of the row each queue handles first: its first flagged row, else its first
    (the dispatcher's order; rows of the unkeyed queue are never leased as stored)."""
    first: dict[int, tuple[bool, int]] = {}
    for n, u in enumerate(updates):
        if u.queue_key is not None:
            first[u.queue_key] = min(first.get(u.queue_key, (True, n)), (not u.risk, n))
    return {n for _, n in first.values()}


class UpdatesMixin(SessionScope):
    # ------------------------------------------------------------------ the inbox
    async def store_updates(
        self,
        updates: Sequence[NewUpdate],
        now: dt.datetime,
        lease: tuple[str, dt.datetime] | None = None,
    ) -> list[InboxItem]:
        """Insert the updates not stored yet; the rows actually inserted (redeliveries of a
        stored update are not), in the order given.

        With `lease` = (holder, until), on PostgreSQL, each queue's first row in the batch
        (the first flagged one, else the first) is leased to the holder as it is stored if
        its queue is free (`_store_statement`); its item carries `leased_until`.
        """
        if not updates:
            return []
        dialect = self._session.get_bind().dialect.name
        firsts = _first_of_each_queue(updates) if lease is not None else set()
        rows = [
            {
                "bot_id": u.bot_id,
                "update_id": u.update_id,
                "digest": u.digest,
                "payload": u.payload,
                "kind": u.kind,
                "queue_key": u.queue_key,
                "risk": u.risk,
                "status": PENDING,
                "attempts": 0,
                "received_at": now,
            }
            for u in updates
        ]
        if dialect == "postgresql":
            # `claimed_by` names the holder even where the queue was busy and no lease was
            # taken: only `claimed_until` says a lease holds (as after one has run out).
            holder, until = lease if lease is not None else (None, None)
            for n, row in enumerate(rows):
                first = n in firsts
                row |= {
                    "q": row["queue_key"],
                    "lock_q": row["queue_key"],
                    "claimed_by": holder if first else None,
                    "until": until if first else None,
                    "now": now,
                }
        driver = await self._driver_now() if len(rows) <= MAX_INSERT_ROWS else None
        statement = _store_statement(dialect)
        found = (
            await driver.rows_of_insert(statement, rows)
            if driver is not None
            else await self._session.execute(statement, rows)
        )
        inserted = {(update_id, digest): (id_, until) for update_id, digest, id_, until in found}
        items = []
        for u in updates:
            stored = inserted.get((u.update_id, u.digest))
            if stored is None:
                continue  # a redelivery: stored before
            item_id, leased_until = stored
            items.append(
                InboxItem(
                    id=item_id,
                    update_id=u.update_id,
                    kind=u.kind,
                    queue_key=u.queue_key,
                    risk=u.risk,
                    payload=u.payload,
                    attempts=0,
                    leased_until=leased_until,
                )
            )
        return items

    async def newest_update_id(self, bot_id: int) -> int | None:
        return await self._session.scalar(
            select(func.max(InboxRow.update_id)).where(InboxRow.bot_id == bot_id)
        )

    async def stored_digests(self, bot_id: int, update_ids: Iterable[int]) -> dict[int, set[str]]:
        """The digests already stored under these ids (tells a redelivery from a reused id)."""
        found: dict[int, set[str]] = {}
        rows = await self._session.execute(
            select(InboxRow.update_id, InboxRow.digest).where(
                InboxRow.bot_id == bot_id, InboxRow.update_id.in_(list(update_ids))
            )
        )
        for update_id, digest in rows:
            found.setdefault(update_id, set()).add(digest)
        return found

    async def ready_queues(
        self, now: dt.datetime, limit: int = 500, by: str | None = None
    ) -> list[tuple[int | None, bool]]:
        """(queue key, has risk) of queues with a ready row; risk first, then oldest first."""
        rows = await self._session.execute(
            _READY_QUEUES, {"now": now, "by": by or "", "limit": limit}
        )
        return [(key, bool(risk)) for key, risk, _ in rows]

    async def queue_items(
        self, queue_key: int | None, now: dt.datetime, limit: int = 20, by: str | None = None
    ) -> list[InboxItem]:
        """The ready rows of one queue, in the order they must be handled (`queues_items`)."""
        return (await self.queues_items([queue_key], now, limit, by))[queue_key]

    async def queues_items(
        self,
        queue_keys: Sequence[int | None],
        now: dt.datetime,
        limit: int = 20,
        by: str | None = None,
        held: set[int | None] | None = None,
        lease_until: dt.datetime | None = None,
    ) -> dict[int | None, list[InboxItem]]:
        """The ready rows of each queue (at most `limit` read per queue), in one statement.

        Within a queue: flagged rows first (safety jumps the line), then oldest first. A row
        waiting for a retry (or leased elsewhere) holds back the rows after it, so one
        person's updates are never handled out of order, except that a flagged row never
        waits behind another. The keys of queues with such waiting rows go into `held`.
        With `lease_until`, each queue's first row is leased to `by` by this read when it is
        ready and its turn (`_queues_statement`); its item carries `leased_until`.
        """
        keys = [key for key in queue_keys if key is not None]
        params: dict[str, Any] = {"keys": keys, "limit": limit}
        lease = lease_until is not None
        if lease:
            params |= {"by": by, "until": lease_until, "now": now}
        rows = await self._session.execute(_queues_statement(None in queue_keys, lease), params)
        ready: dict[int | None, list[InboxItem]] = {key: [] for key in queue_keys}
        held = set() if held is None else held
        holding: set[int | None] = set()
        for row in rows:
            leased = row.claimed_until is not None and row.claimed_until > now
            waiting = (row.next_attempt_at is not None and row.next_attempt_at > now) or (
                leased and row.claimed_by != by
            )
            if waiting:
                held.add(row.queue_key)
                if not row.risk:
                    holding.add(row.queue_key)  # this row and every later one of its queue wait
            if waiting or row.queue_key in holding:
                continue
            ready[row.queue_key].append(_item(row, lease_until if lease and row.leased else None))
        return ready

    async def lease_inbox_item(
        self, item_id: int, by: str, until: dt.datetime, now: dt.datetime
    ) -> bool:
        """Lease a ready row to this worker (`lease_inbox_items`)."""
        return item_id in await self.lease_inbox_items([item_id], by, until, now)

    async def lease_inbox_items(
        self, item_ids: Sequence[int], by: str, until: dt.datetime, now: dt.datetime
    ) -> set[int]:
        """Lease ready rows to this worker, in one statement; the ids leased. A row is left
        out if another worker has it or it is done, or if it is not its queue's turn
        (`_its_turn`, checked row by row): one person's updates are handled in order by
        however many processes share the inbox."""
        result = await self._session.execute(
            _LEASE, {"ids": list(item_ids), "by": by, "until": until, "now": now}
        )
        return set(result.scalars())

    async def finish_inbox_item(
        self,
        item_id: int,
        now: dt.datetime,
        status: str = DONE,
        error: str | None = None,
        *,
        replies: dict[str, Any] | None = None,
        lease: tuple[str, dt.datetime] | None = None,
    ) -> bool:
        """pending → `status`, once: True for the transaction that did it.

        `replies` (the rendered replies the update owes) are stored `pending` in the same
        statement, leased to `lease` = (holder, until) while that holder sends them.
        """
        params: dict[str, Any] = {"item_id": item_id, "status": status, "now": now, "error": error}
        by, until = lease if lease is not None and replies is not None else (None, None)
        params |= {"by": by, "until": until}
        if replies is None:
            statement = _FINISH
        else:
            statement = _FINISH_WITH_REPLIES
            params["replies"] = replies
        return bool(await self._hot_rows(statement, params))

    # ------------------------------------------------------------------ stored replies
    async def claim_unsent_replies(
        self, by: str, until: dt.datetime, now: dt.datetime, limit: int = 50
    ) -> list[StoredReplies]:
        """Lease stored-but-unsent replies nobody is sending (oldest first) to `by`.

        Rows are selected `FOR UPDATE SKIP LOCKED` on PostgreSQL and leased in the same
        transaction, so two processes never send the same replies. `superseded` is True for
        replies of a queue where a later update's replies went out already: sending them now
        would put an old answer after a newer one.
        """
        rows = list(
            await self._session.scalars(
                select(InboxRow)
                .where(
                    InboxRow.replies_state == REPLIES_PENDING,
                    or_(InboxRow.claimed_until.is_(None), InboxRow.claimed_until <= now),
                )
                .order_by(InboxRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if not rows:
            return []
        keys = {row.queue_key for row in rows if row.queue_key is not None}
        latest: dict[int, int] = {}
        if keys:
            found = await self._session.execute(
                select(InboxRow.queue_key, func.max(InboxRow.id))
                .where(InboxRow.queue_key.in_(keys), InboxRow.replies_state == REPLIES_SENT)
                .group_by(InboxRow.queue_key)
            )
            latest = {key: top for key, top in found if key is not None}
        claimed = []
        for row in rows:
            row.claimed_by, row.claimed_until = by, until
            newer = row.queue_key is not None and latest.get(row.queue_key, 0) > row.id
            claimed.append(StoredReplies(row.id, row.update_id, row.replies or {}, newer))
        return claimed

    async def replies_done(self, item_ids: Sequence[int], state: str = "sent") -> None:
        """The rows' replies went (`sent`) or will not (`dropped`); their leases end."""
        params = {"ids": list(item_ids), "state": state}
        await self._hot_rows(_REPLIES_DONE, params, direct=_REPLIES_DONE_ANY)

    async def retry_inbox_item(self, item_id: int, error: str, at: dt.datetime) -> None:
        """A failed attempt: counted, the lease given back, tried again at `at`."""
        await self._session.execute(
            update(InboxRow)
            .where(InboxRow.id == item_id, InboxRow.status == PENDING)
            .values(
                attempts=InboxRow.attempts + 1,
                last_error=error[:500],
                next_attempt_at=at,
                claimed_by=None,
                claimed_until=None,
            )
        )

    async def inbox_item(self, item_id: int) -> InboxItem | None:
        row = await self._session.get(InboxRow, item_id)
        return _item(row) if row is not None else None

    async def inbox_counts(self) -> dict[str, int]:
        rows = await self._session.execute(
            select(InboxRow.status, func.count()).group_by(InboxRow.status)
        )
        return {status: int(count) for status, count in rows}

    async def forget_inbox_before(self, cutoff: dt.datetime) -> int:
        """Drop handled rows older than `cutoff` (past Telegram's redelivery window).

        Failed and poison rows stay for inspection; pending rows are never dropped.
        """
        forgotten = await self._session.scalars(
            delete(InboxRow)
            .where(InboxRow.received_at < cutoff, InboxRow.status.in_((DONE, COALESCED)))
            .returning(InboxRow.id)
        )
        return len(forgotten.all())

    # ------------------------------------------------------------------ id-only claims
    async def claim_update(self, update_id: int, now: dt.datetime) -> bool:
        """True if this transaction is the first to handle `update_id`."""
        claim = self._insert_ignoring_duplicates(
            ProcessedUpdateRow, [{"update_id": update_id, "at": now}], unique=("update_id",)
        ).returning(ProcessedUpdateRow.update_id)
        claimed = (await self._session.execute(claim)).first() is not None
        if not claimed:
            log.warning("update %s dropped: already handled (duplicate delivery)", update_id)
        return claimed

    async def forget_updates_before(self, cutoff: dt.datetime) -> int:
        """Drop claims older than `cutoff` (Telegram keeps updates for 24 hours at most)."""
        forgotten = await self._session.scalars(
            delete(ProcessedUpdateRow)
            .where(ProcessedUpdateRow.at < cutoff)
            .returning(ProcessedUpdateRow.update_id)
        )
        return len(forgotten.all())


class LeasesMixin(SessionScope):
    """Leases on the inbox, the alert outbox and the nudge slots, seen together."""

    async def lease_holders(self, now: dt.datetime) -> set[str]:
        holders: set[str] = set()
        for model in _leased_models():
            rows = await self._session.scalars(
                select(model.claimed_by)
                .where(model.claimed_by.is_not(None), model.claimed_until > now)
                .distinct()
            )
            holders.update(h for h in rows if h)
        return holders

    async def release_leases(self, holders: Iterable[str]) -> int:
        """End the leases of `holders` (dead processes): their rows are free at once."""
        wanted = list(holders)
        if not wanted:
            return 0
        released = 0
        for model in _leased_models():
            result = await self._session.execute(
                update(model)
                .where(model.claimed_by.in_(wanted))
                .values(claimed_until=None)
                .returning(model.id)
            )
            released += len(result.all())
        return released


def _leased_models() -> tuple[Any, ...]:
    from bot.storage.models import DeliveryRow
    from bot.storage.nudge_models import NudgeSlotRow

    return (InboxRow, DeliveryRow, NudgeSlotRow)
