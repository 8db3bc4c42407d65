"""Fair per-patient queues over the inbox: each row handled once, in order, risk first.

- One task per queue (a person, else a chat) with ready rows, started when the queue has
  work and ended when it has none: state is bounded by the queues with work, not by everyone
  ever seen.
- A queue takes a processing slot for one row at a time and gives it back once the row's
  transaction committed (its replies are sent outside the slot): a person with 200 messages
  waiting holds at most one slot, and everyone else's rows interleave.
- Rows the risk screen flagged at intake are taken first, within their queue and across
  queues, and use slots of their own, so a crisis is handled even when every ordinary slot
  is busy.
- A later press on the same message supersedes an earlier one still waiting (coalesced: the
  latest press on the same question wins).
- Each row is leased to this process while it is handled (on PostgreSQL: on SQLite one
  process holds the file, `bot.storage.database.hold_sqlite_file`, so there is nobody to
  lease against); the read leases each queue's next row in the same statement, later rows
  are leased as their turn comes; the handler's own transaction marks it done
  (`bot.inbox.current.claim`), and only a row no handler marked is finished by a
  transaction of its own. Transient
  database errors put the row back with backoff; other failures are retried twice, then the
  row is kept as `failed` and the person told to try again. A flagged row whose dialog
  fails is escalated directly (`fallback`).
- A row the library cannot read is stored as `poison`, logged by id only, and skipped.

Cheap per update (issue 17): the intake tells the dispatcher which queues got rows
(`stored`), so a new row costs no scan of the inbox (the run loop still scans every
`POLL_SECONDS` for retries that fell due and rows stored elsewhere); a queue's task handles
the rows it read in order and reads again only if rows arrived for it meanwhile (a flagged
row jumps the line, a later press supersedes) or the read was a full batch; queues that read
at the same moment share one statement (`bot.batching`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.batching import Batched
from bot.inbox.current import CURRENT, Handling
from bot.inbox.intake import Intake
from bot.inbox.transient import backoff, backoff_seconds, is_transient
from bot.leases import instance_name
from bot.services import Services
from bot.storage.updates import COALESCED, FAILED, POISON, InboxItem

log = logging.getLogger(__name__)

SLOTS = 8
SAFETY_SLOTS = 4
# Held until the handler's commit (well under a second): a row a dead process held, maybe a
# crisis, waits this long for another replica, so it is short.
LEASE = dt.timedelta(seconds=10)
# A row leased by its insert or read is leased again before it is handled once less than this
# is left: its handler commits well inside it (tens of milliseconds; a lease that runs out
# first costs only work, as the commit's claim lets one handler through). Under load a row
# waits seconds for a slot; a margin of half the lease leased most rows twice.
LEASE_MARGIN = dt.timedelta(seconds=3)
MAX_ATTEMPTS = 3
POLL_SECONDS = 0.5
BATCH = 20

Fallback = Callable[[InboxItem], Awaitable[None]]
# to handle, superseded, maybe more (a full batch), rows held back (waiting for a retry)
QueueRead = tuple[list[InboxItem], list[InboxItem], bool, bool]
# Queues remembered as having nothing pending (`Dispatcher.stored`): bounded, oldest forgotten.
CLEAR_REMEMBERED = 10_000
Apology = Callable[[InboxItem], Awaitable[None]]


def pressed_message_id(item: InboxItem) -> int | None:
    query = item.payload.get("callback_query") if item.kind == "callback_query" else None
    message = query.get("message") if isinstance(query, dict) else None
    value = message.get("message_id") if isinstance(message, dict) else None
    return value if isinstance(value, int) else None


def coalesce(items: list[InboxItem]) -> tuple[list[InboxItem], list[InboxItem]]:
    """(rows to handle, superseded presses): of presses on one message only the last counts."""
    last: dict[int, int] = {}
    for item in items:
        message_id = pressed_message_id(item)
        if message_id is not None:
            last[message_id] = item.id
    keep, dropped = [], []
    for item in items:
        message_id = pressed_message_id(item)
        if message_id is not None and last[message_id] != item.id and not item.risk:
            dropped.append(item)
        else:
            keep.append(item)
    return keep, dropped


class Dispatcher:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        services: Services,
        *,
        fallback: Fallback | None = None,
        apology: Apology | None = None,
        slots: int = SLOTS,
        safety_slots: int = SAFETY_SLOTS,
    ) -> None:
        self.application = application
        self.services = services
        self.fallback = fallback
        self.apology = apology
        self.name = instance_name()
        self._slots = asyncio.Semaphore(slots)
        self._safety = asyncio.Semaphore(safety_slots)
        self._active: dict[int | None, asyncio.Task[None]] = {}
        self._fresh: set[int | None] = set()  # active queues with rows stored since their read
        self._clear: dict[int | None, None] = {}  # idle queues with no pending row (SQLite)
        self._reads = Batched(self._read_queues, "stride-inbox-reads")
        self._leases = Batched(self._lease_rows, "stride-inbox-leases")
        self.leases = services.store.engine.dialect.name != "sqlite"
        self._wake = asyncio.Event()
        self._stopped = False
        self.handled = 0

    @property
    def active_queues(self) -> int:
        return len(self._active)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    def attach(self, intake: Intake) -> None:
        """Be told what the intake stores, and lease what it stores (PostgreSQL)."""
        intake.on_stored = self.stored
        intake.lease = self.insert_lease

    def insert_lease(self) -> tuple[str, dt.datetime] | None:
        """(holder, until) for the rows the intake stores now: leased as they are inserted
        when their queue is free (`UpdatesMixin.store_updates`). None on SQLite, where one
        process holds the file and nobody leases."""
        if not self.leases or self._stopped:
            return None
        return self.name, self.services.clock.now() + LEASE

    def stored(self, items: Iterable[InboxItem]) -> None:
        """The intake committed these rows: handle them now.

        A queue's rows are handed to its task as they are, without reading them back (one
        statement less per update), when they are known to be all it has: on SQLite, where
        this process is the inbox's only writer, when its last task ended with nothing
        pending (`_clear`); on PostgreSQL, when the insert leased its first row (the queue
        was free, `insert_lease`). Any other queue reads: another replica may hold older
        rows of the same person.
        """
        queues: dict[int | None, list[InboxItem]] = {}
        for item in items:
            queues.setdefault(item.queue_key, []).append(item)
        for key, rows in sorted(queues.items(), key=lambda q: not any(i.risk for i in q[1])):
            if key in self._active:
                self._fresh.add(key)
            elif not self._stopped:
                rows.sort(key=lambda i: (not i.risk, i.id))
                known = rows[0].leased_until is not None if self.leases else key in self._clear
                self._start(key, rows if known else None)

    def _start(self, key: int | None, given: list[InboxItem] | None = None) -> None:
        self._clear.pop(key, None)
        self._active[key] = asyncio.get_running_loop().create_task(
            self._drain(key, given), name=f"inbox-queue-{key}"
        )

    def _remember_clear(self, key: int | None) -> None:
        self._clear[key] = None
        if len(self._clear) > CLEAR_REMEMBERED:
            del self._clear[next(iter(self._clear))]

    async def run(self) -> None:
        """Start a task for every queue with ready rows; again on every wake (or poll)."""
        failures = 0
        while not self._stopped:
            self._wake.clear()
            try:
                async with self.services.store.transaction() as tx:
                    queues = await tx.ready_queues(self.services.clock.now(), by=self.name)
                failures = 0
            except Exception as error:
                log.warning("inbox unreadable (%s); retrying", type(error).__name__)
                log.debug("inbox read failure", exc_info=error)
                await asyncio.sleep(backoff_seconds(failures, cap=10.0))
                failures += 1
                continue
            for key, _risk in queues:  # risk first: their tasks start (and queue) first
                if key not in self._active:
                    self._start(key)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)

    async def drain_all(self, seconds: float = 10.0) -> None:
        """Wait (a while) for the queues being handled; used at shutdown."""
        tasks = list(self._active.values())
        if tasks:
            await asyncio.wait(tasks, timeout=seconds)

    async def _drain(self, key: int | None, given: list[InboxItem] | None = None) -> None:
        clear = False  # ended with nothing pending: the next stored rows need no read
        try:
            while not self._stopped:
                self._fresh.discard(key)
                if given is not None:
                    items, more, held = await self._take(given), False, False
                    given = None
                else:
                    items, more, held = await self._next(key)
                if not items:
                    if key in self._fresh:
                        continue  # rows arrived during the read
                    clear = not held
                    return
                for item in items:
                    again = await self._handle_in_slot(item)
                    if not again:
                        return  # backing off: the run loop restarts the queue when it is due
                    if self._stopped or key in self._fresh:
                        break  # read again: a flagged row goes first, a later press wins
                else:
                    if not more and key not in self._fresh:
                        clear = not held
                        return  # everything read is handled and nothing arrived since
        except Exception:
            log.exception("inbox queue %s stopped; it restarts on the next poll", key)
        finally:
            self._active.pop(key, None)
            self._fresh.discard(key)
            if clear and not self.leases:
                self._remember_clear(key)

    async def _next(self, key: int | None) -> tuple[list[InboxItem], bool, bool]:
        """The queue's ready rows in order, whether a full batch was read (maybe more), and
        whether rows wait behind a retry."""
        keep, superseded, more, held = await self._reads(key)
        await self._superseded(superseded)
        return keep, more, held

    async def _take(self, given: list[InboxItem]) -> list[InboxItem]:
        """Rows handed over as stored: coalesced as a read would have."""
        keep, superseded = coalesce(given)
        if superseded:
            now = self.services.clock.now()
            async with self.services.store.transaction() as tx:
                for item in superseded:
                    await tx.finish_inbox_item(item.id, now, COALESCED)
            await self._superseded(superseded)
        return keep

    async def _superseded(self, items: list[InboxItem]) -> None:
        for item in items:
            log.info("update %s coalesced: a later press on the same message wins", item.update_id)
            await self._answer_press(item)

    async def _read_queues(self, keys: list[int | None]) -> dict[int | None, QueueRead]:
        """Every queue whose task is ready to read, in one statement (`bot.batching`): the
        intake's batch starts many queues at once. Superseded presses end in that
        transaction."""
        now = self.services.clock.now()
        read: dict[int | None, QueueRead] = {}
        held: set[int | None] = set()
        lease_until = now + LEASE if self.leases else None  # each queue's next row, leased
        async with self.services.store.transaction() as tx:
            found = await tx.queues_items(
                keys, now, BATCH, by=self.name, held=held, lease_until=lease_until
            )
            for key, items in found.items():
                keep, superseded = coalesce(items)
                for item in superseded:
                    await tx.finish_inbox_item(item.id, now, COALESCED)
                read[key] = (keep, superseded, len(items) >= BATCH, key in held)
        return read

    async def _answer_press(self, item: InboxItem) -> None:
        query = item.payload.get("callback_query")
        query_id = query.get("id") if isinstance(query, dict) else None
        if isinstance(query_id, str):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self.application.bot.answer_callback_query(query_id), timeout=3
                )

    async def _lease_rows(self, item_ids: list[int]) -> dict[int, bool]:
        """The rows of every queue about to be handled, leased in one statement."""
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            leased = await tx.lease_inbox_items(item_ids, self.name, now + LEASE, now)
        return {item_id: item_id in leased for item_id in item_ids}

    def _still_leased(self, item: InboxItem) -> bool:
        """Leased by the insert or the read that found it, with enough of the lease left
        (`LEASE_MARGIN`)."""
        until = item.leased_until
        return until is not None and self.services.clock.now() < until - LEASE_MARGIN

    async def _handle_in_slot(self, item: InboxItem) -> bool:
        """`_handle` in a processing slot, given back when the handler says its commit is
        done (`Handling.give_slot_back`) or when it returns: a handler whose replies wait
        for Telegram's limits does not keep other people's rows, an item-9 press among
        them, from being handled and escalated meanwhile."""
        slot = self._safety if item.risk else self._slots
        await slot.acquire()
        held = True

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                slot.release()

        try:
            return await self._handle(item, give_back)
        finally:
            give_back()

    async def _handle(self, item: InboxItem, slot_back: Callable[[], None] | None = None) -> bool:
        """Handle one row; False when the queue must pause (the row waits for a retry)."""
        if self.leases and not self._still_leased(item):
            try:
                if not await self._leases(item.id):
                    # Another process has it, is done with it, or is still on an older row
                    # of this queue (or sending its replies): pause; the run loop looks at
                    # the queue again on its next poll.
                    return False
            except Exception as error:
                return await self._retry(item, error)
        try:
            update = Update.de_json(item.payload, self.application.bot)
        except Exception as error:
            await self._finish(item, POISON, f"unreadable update: {type(error).__name__}")
            log.error(
                "update %s is unreadable (%s); stored as poison and skipped",
                item.update_id,
                type(error).__name__,
            )
            return True
        handling = Handling(item.id, item.update_id, item.risk, slot_back=slot_back)
        token = CURRENT.set(handling)
        try:
            await self.application.process_update(update)
        except Exception as error:  # process_update reports to error handlers; this is extra
            handling.error = error
        finally:
            CURRENT.reset(token)
        if handling.error is None:
            if not handling.finished:  # no handler claimed it (nothing to store): marked here
                try:
                    await self._finish(item, "done", None)
                except Exception as error:
                    return await self._retry(item, error)
            self.handled += 1
            return True
        return await self._failed(item, handling.error)

    async def _finish(self, item: InboxItem, status: str, error: str | None) -> bool:
        now = self.services.clock.now()
        async with self.services.store.transaction() as tx:
            return await tx.finish_inbox_item(item.id, now, status, error)

    async def _failed(self, item: InboxItem, error: BaseException) -> bool:
        try:
            async with self.services.store.transaction() as tx:
                stored = await tx.inbox_item(item.id)
        except Exception as read_error:
            return await self._retry(item, read_error)
        if stored is not None and stored.status != "pending":
            self.handled += 1
            return True  # committed; only a reply after the commit failed (logged already)
        if is_transient(error) or (not item.risk and item.attempts + 1 < MAX_ATTEMPTS):
            return await self._retry(item, error)
        await self._give_up(item, error)
        return True

    async def _retry(self, item: InboxItem, error: BaseException) -> bool:
        kind = type(error).__name__
        log.warning(
            "update %s failed (%s, attempt %s): kept and retried",
            item.update_id,
            kind,
            item.attempts + 1,
        )
        wait = backoff(item.attempts)
        try:
            async with self.services.store.transaction() as tx:
                await tx.retry_inbox_item(item.id, kind, self.services.clock.now() + wait)
        except Exception:
            await asyncio.sleep(wait.total_seconds())  # the database is down: wait here
        return False

    async def _give_up(self, item: InboxItem, error: BaseException) -> None:
        """Kept as `failed` for inspection; a flagged row is escalated; the person told."""
        kind = type(error).__name__
        log.error(
            "update %s failed %s time(s) (%s): kept as failed, the sender is asked to retry",
            item.update_id,
            item.attempts + 1,
            kind,
            exc_info=error,
        )
        if item.risk and self.fallback is not None:
            try:
                await self.fallback(item)
            except Exception:
                log.exception("risk fallback for update %s failed; retrying", item.update_id)
                await self._retry(item, error)
                return
        await self._finish(item, FAILED, kind)
        if self.apology is not None and not item.risk:
            with contextlib.suppress(Exception):
                await self.apology(item)
