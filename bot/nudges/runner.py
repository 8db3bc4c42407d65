"""The nudge runner: a minute tick through PTB's JobQueue (APScheduler 3), and `tick`.

The database holds the schedule; the scheduler holds one repeating job with a fixed id
(`replace_existing=True`, so a restart or a second `start` replaces rather than duplicates it)
that carries nothing. Each tick:
1. plans the patients whose horizon ran out (`planning`), and the digest on its day;
2. wakes the drain: a background task that works through due slots (`delivery`), paced
   below Telegram's limit (`pacing`), until none is due. A fan-out of thousands outlasts a
   minute, so it runs beside the job rather than inside it, and ticks never pile up.

At start, before the first tick, slots left `sending` by a crash are retried once if still
within their grace period, else dropped (see `delivery` for the residual window). One
process runs the scheduler at a time (LIBRARY_NOTES: a job store is never shared; with
replicas, the one holding the leader lock: `NudgeWorker`); inside it, the runner's
transactions take turns (`serial`).

Time always comes from `services.clock`, so tests and the sandbox can move it; the sandbox
calls `tick(application, services)` right after moving the clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.context import BotData
from bot.jobs import RepeatingJob
from bot.nudges import planning
from bot.nudges.delivery import MAX_ATTEMPTS, RELEASED, Delivery, Outgoing
from bot.nudges.pacing import DEFAULT_RATE, IN_FLIGHT, Pacer
from bot.nudges.serial import SerialStore
from bot.services import Services
from bot.workers import Health
from dialogs.nudges import SlotStatus

log = logging.getLogger(__name__)

JOB_ID = "stride.nudges.tick"
TICK_SECONDS = 60
PLAN_BUDGET_SECONDS = 10.0  # planning per tick; the rest waits for the next tick
CLAIM_BATCH = 50  # slots decided and claimed together: about 2 s of sending at full pace
QUEUED = 2 * CLAIM_BATCH  # chats claimed for but not yet sent to, at most (plus one batch)


def _always() -> bool:
    return True


class NudgeRunner:
    def __init__(
        self, services: Services, per_second: float = DEFAULT_RATE, in_flight: int = IN_FLIGHT
    ) -> None:
        self.services = services
        self.db = SerialStore(services.store)
        self.delivery = Delivery(services, Pacer(per_second), self.db)
        self.in_flight = in_flight
        self.cursor = planning.Cursor()
        self._drain_lock = asyncio.Lock()
        self._drain_task: asyncio.Task[Counter[str]] | None = None
        self.paused = False  # the worker stopped: a drain gives its claims back and ends

    async def recover(self) -> Counter[str]:
        """Slots a process claimed but never marked: retry once, or drop.

        Only slots whose lease ran out: another live process may be sending the others
        right now. Run at start and on every tick, so a dead peer's slots are taken over.
        """
        services = self.services
        now, grace = services.clock.now(), services.content.nudges.grace
        outcomes: Counter[str] = Counter()
        async with self.db.transaction() as tx:
            for stored in await tx.sending_slots(now):
                key, chat = stored.slot.key, stored.chat_id
                if stored.attempts < MAX_ATTEMPTS and now - stored.slot.due_at <= grace:
                    await tx.release_slot(stored.id, "restart", count_attempt=True)
                    log.warning(
                        "nudge %s to chat %s was sending at a crash: retrying once", key, chat
                    )
                    outcomes["retry"] += 1
                else:
                    await tx.end_slot(
                        stored.id, SlotStatus.DROPPED, "unclear", was=SlotStatus.SENDING
                    )
                    log.warning(
                        "nudge %s to chat %s was sending at a crash: dropped (%s)",
                        key,
                        chat,
                        "retried already" if stored.attempts >= MAX_ATTEMPTS else "too late",
                    )
                    outcomes["dropped"] += 1
        return outcomes

    async def plan(self) -> int:
        services = self.services
        now = services.clock.now()
        planned = await planning.plan_due(
            self.db, services.content, now, self.cursor, PLAN_BUDGET_SECONDS
        )
        await planning.plan_digest(self.db, services.settings, services.content, now)
        return planned

    async def drain(
        self, bot: ExtBot[Any], keep_going: Callable[[], bool] = _always
    ) -> Counter[str]:
        """Work through due slots until none is due (or `keep_going` says stop).

        One task decides and claims batches of due slots (a few queries per batch) while
        `in_flight` senders send them at the pacer's rate, so sending never waits for the
        database between batches. Each recipient's slots come in due-time and priority order,
        and the daily cap is decided within a batch in that order.
        """
        outcomes: Counter[str] = Counter()
        async with self._drain_lock:
            retry_later: set[int] = set()  # released in this drain: not again at once
            queue: asyncio.Queue[list[Outgoing] | None] = asyncio.Queue(maxsize=QUEUED)
            senders = [
                asyncio.create_task(self._sender(bot, queue, outcomes, retry_later, keep_going))
                for _ in range(self.in_flight)
            ]
            try:
                await self._claim_due(queue, outcomes, retry_later, keep_going)
            finally:
                for _ in senders:
                    await queue.put(None)
                await asyncio.gather(*senders)
        return outcomes

    async def _claim_due(
        self,
        queue: asyncio.Queue[list[Outgoing] | None],
        outcomes: Counter[str],
        retry_later: set[int],
        keep_going: Callable[[], bool],
    ) -> None:
        while keep_going():
            now = self.services.clock.now()
            await self._drop_stale(now, outcomes)
            async with self.db.transaction() as tx:
                due = await tx.due_slots(now, CLAIM_BATCH, exclude=retry_later)
            if not due:
                return
            by_chat: dict[int, list[Outgoing]] = {}
            for outgoing in await self.delivery.prepare(due, outcomes):
                by_chat.setdefault(outgoing.chat_id, []).append(outgoing)
            for messages in by_chat.values():  # one sender per chat: its slots stay in order
                await queue.put(messages)

    async def _sender(
        self,
        bot: ExtBot[Any],
        queue: asyncio.Queue[list[Outgoing] | None],
        outcomes: Counter[str],
        retry_later: set[int],
        keep_going: Callable[[], bool],
    ) -> None:
        while (messages := await queue.get()) is not None:
            for outgoing in messages:
                slot = outgoing.slot
                if not keep_going():  # shutting down: give the claim back, nothing was sent
                    retry_later.add(slot.id)
                    await self.delivery.release(slot, "stopping", None, count_attempt=False)
                    outcomes[RELEASED] += 1
                    continue
                try:
                    outcomes[await self.delivery.send(bot, outgoing, retry_later)] += 1
                except Exception:  # unknown outcome: left `sending`, recovered at next start
                    log.exception("nudge %s to chat %s: send failed", slot.slot.key, slot.chat_id)
                    outcomes["error"] += 1

    async def _drop_stale(self, now: dt.datetime, outcomes: Counter[str]) -> None:
        """After downtime: everything older than the grace period goes, with a log line each."""
        grace = self.services.content.nudges.grace
        async with self.db.transaction() as tx:
            stale = await tx.drop_stale_slots(now - grace)
        for stored in stale:
            log.info(
                "nudge %s to chat %s dropped: due %s, later than the grace period",
                stored.slot.key,
                stored.chat_id,
                stored.slot.due_at.isoformat(),
            )
        if stale:
            log.warning(
                "dropped %d stale nudges (downtime?) instead of sending them late", len(stale)
            )
            outcomes["dropped"] += len(stale)

    async def tick(self, bot: ExtBot[Any]) -> Counter[str]:
        """Plan, then send everything due now; returns what happened to the slots seen."""
        await self.plan()
        return await self.drain(bot)

    def wake(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Start a drain in the background unless one is running; it stops with the app."""
        if self._drain_task is not None and not self._drain_task.done():
            return
        self._drain_task = application.create_task(
            self.drain(
                application.bot, keep_going=lambda: application.running and not self.paused
            ),
            name="nudge-drain",
        )

    async def wait_drained(self) -> None:
        task = self._drain_task
        if task is not None and not task.done():
            await asyncio.wait([task])


class NudgeWorker:
    """The runner as a `Worker` (bot.workers): recover at start, then the minute tick.

    The composition root runs it behind the leader lock (`bot.workers.Leader`): slots are
    claimed with leases, so two replicas would never send one twice, but each paces itself
    at 29 messages/s and together they would break Telegram's 30/s per token.
    """

    name = "nudges"

    def __init__(
        self, application: Application[Any, Any, Any, Any, Any, Any], services: Services
    ) -> None:
        self.application = application
        self.runner = NudgeRunner(services)
        self._job = RepeatingJob(
            "scheduled nudges",
            application.job_queue,
            self._on_tick,
            TICK_SECONDS,
            1,
            JOB_ID,
            {
                "coalesce": True,  # after a pause of the loop, one tick, not a catch-up burst
                "max_instances": 1,
                "misfire_grace_time": TICK_SECONDS,
            },
        )

    async def start(self) -> None:
        self.runner.paused = False
        if isinstance(self.application.bot_data, BotData):
            self.application.bot_data.nudges = self.runner  # the sandbox's clock ticks it
        await self.runner.recover()
        await self._job.start()

    async def stop(self) -> None:
        """The drain in progress gives its unsent claims back and ends."""
        await self._job.stop()
        self.runner.paused = True
        await self.runner.wait_drained()

    def health(self) -> Health:
        return self._job.health()

    async def _on_tick(self, _context: CallbackContext[Any, Any, Any, Any]) -> None:
        try:
            await self.runner.recover()
            await self.runner.plan()
        except Exception:  # planning failures must not stop sending what is planned
            log.exception("nudge planning failed")
        self.runner.wake(self.application)


async def tick(application_or_bot: Any, services: Services) -> Counter[str]:
    """One tick now: plan, and send everything due (the sandbox calls this after moving time).

    Takes the Application (its runner is reused) or a bare bot (a fresh runner).
    """
    if isinstance(application_or_bot, Application):
        runner = getattr(application_or_bot.bot_data, "nudges", None)
        if runner is None:
            runner = NudgeRunner(services)
        return await runner.tick(application_or_bot.bot)
    return await NudgeRunner(services).tick(application_or_bot)
