"""Retention: free text is kept `RETENTION_DAYS`, then pruned; a daily job does it.

What counts as free text here, and why the rest stays:
- pruned after the period: session notes (`sessions.note`), the words of if-then barrier
  plans (`barrier_plans.what`/`when`, emptied: the plan's barrier and script stay), and the
  patient's own words in *resolved* escalations (`details.message`, a non-button
  `patient_response`);
- never pruned while open: an unresolved escalation keeps its message until a supervisor
  resolves it (safety first);
- kept: the supervisor's resolution note (the care team's record of the incident), the
  patient's current values and safety plan (living parts of their programme, not history;
  gone on erasure);
- processed Telegram update ids: `processed_updates_cutoff` gives the update store its
  cut-off, and `prune` calls any extra pruner registered for them (the update store is being
  reworked; it registers `forget_updates_before`-style callables here).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.jobs import RepeatingJob
from bot.storage.erasure import BUTTON_RESPONSES
from bot.storage.models import BarrierPlanRow, EscalationRow, ProcessedUpdateRow, SessionRow
from bot.storage.repository import Store
from bot.workers import Health

log = logging.getLogger(__name__)

RESOLVED = "resolved"
PRUNED = ""
JOB_ID = "retention-prune"
DAY_SECONDS = 24 * 60 * 60
FIRST_RUN_SECONDS = 60

ExtraPruner = Callable[[dt.datetime], Awaitable[int]]
"""Given the cut-off, prune older rows and return how many went."""


def cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    if retention_days <= 0:
        raise ValueError("RETENTION_DAYS must be at least 1")
    return now - dt.timedelta(days=retention_days)


def processed_updates_cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    """Update ids claimed before this may be forgotten. Telegram re-delivers an update for
    24 hours at most, so ids are never kept less than a day, whatever the setting."""
    return min(cutoff(now, retention_days), now - dt.timedelta(days=1))


@dataclass(frozen=True)
class RetentionCounts:
    session_notes: int = 0
    barrier_plans: int = 0
    escalation_texts: int = 0
    processed_updates: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return (
            self.session_notes
            + self.barrier_plans
            + self.escalation_texts
            + self.processed_updates
            + sum(self.extra.values())
        )


def _old_notes(before: dt.datetime) -> Any:
    return (
        SessionRow.note.is_not(None),
        SessionRow.note != PRUNED,
        SessionRow.day < before.date(),
    )


def _old_plans(before: dt.datetime) -> Any:
    return (
        BarrierPlanRow.created_at < before,
        (BarrierPlanRow.what != PRUNED) | (BarrierPlanRow.when != PRUNED),
    )


async def _old_escalations(session: AsyncSession, before: dt.datetime) -> list[EscalationRow]:
    rows = await session.scalars(
        select(EscalationRow).where(
            EscalationRow.state == RESOLVED, EscalationRow.resolved_at < before
        )
    )
    return [
        row
        for row in rows
        if "message" in row.details
        or (row.patient_response is not None and row.patient_response not in BUTTON_RESPONSES)
    ]


async def due(store: Store, now: dt.datetime, retention_days: int) -> RetentionCounts:
    """What the next prune would remove (for `stride doctor`); changes nothing."""
    before = cutoff(now, retention_days)
    async with AsyncSession(store.engine) as session:
        notes = await session.scalar(select(func.count()).where(*_old_notes(before)))
        plans = await session.scalar(select(func.count()).where(*_old_plans(before)))
        updates = await session.scalar(
            select(func.count()).where(
                ProcessedUpdateRow.at < processed_updates_cutoff(now, retention_days)
            )
        )
        escalations = await _old_escalations(session, before)
    return RetentionCounts(notes or 0, plans or 0, len(escalations), updates or 0)


async def prune(
    store: Store,
    now: dt.datetime,
    retention_days: int,
    extra: Mapping[str, ExtraPruner] | None = None,
) -> RetentionCounts:
    """Prune free text older than the period, in one transaction; then run `extra` pruners."""
    before = cutoff(now, retention_days)
    async with AsyncSession(store.engine) as session, session.begin():
        notes = await session.execute(
            update(SessionRow)
            .where(*_old_notes(before))
            .values(note=None)
            .returning(SessionRow.id)
        )
        plans = await session.execute(
            update(BarrierPlanRow)
            .where(*_old_plans(before))
            .values(what=PRUNED, when=PRUNED)
            .returning(BarrierPlanRow.id)
        )
        escalations = await _old_escalations(session, before)
        for row in escalations:
            row.details = {k: v for k, v in row.details.items() if k != "message"}
            if row.patient_response not in BUTTON_RESPONSES:
                row.patient_response = None
        counts = RetentionCounts(len(notes.all()), len(plans.all()), len(escalations))
    ran: dict[str, int] = {}
    for name, pruner in (extra or {}).items():
        ran[name] = await pruner(processed_updates_cutoff(now, retention_days))
    if counts.total or ran:
        log.info("retention: pruned %s, extra %s", counts, ran)
    return RetentionCounts(
        counts.session_notes, counts.barrier_plans, counts.escalation_texts, extra=ran
    )


async def forget_processed_updates(store: Store, before: dt.datetime) -> int:
    """The default pruner for update ids, through today's update store."""
    async with store.transaction() as tx:
        return await tx.forget_updates_before(before)


DEFAULT_EXTRA: dict[str, Callable[[Store], ExtraPruner]] = {
    "processed_updates": lambda store: lambda before: forget_processed_updates(store, before),
}


class RetentionWorker:
    """The daily prune as a `Worker` (bot.workers), a minute after start and then daily.

    Pruning is idempotent, but with replicas the composition root runs it behind the leader
    lock: one replica's UPDATEs over the same old rows are enough, two only contend.
    """

    name = "retention"

    def __init__(self, job_queue: Any, services: Any) -> None:
        self.services = services
        self._job = RepeatingJob(
            "retention (RETENTION_DAYS: free text is not pruned)",
            job_queue,
            self.run,
            DAY_SECONDS,
            FIRST_RUN_SECONDS,
            JOB_ID,
            {"coalesce": True, "max_instances": 1},
        )

    async def start(self) -> None:
        await self._job.start()

    async def stop(self) -> None:
        await self._job.stop()

    def health(self) -> Health:
        return self._job.health()

    async def run(self, _context: Any = None) -> None:
        services = self.services
        try:
            extra = {name: make(services.store) for name, make in DEFAULT_EXTRA.items()}
            await prune(
                services.store, services.clock.now(), services.settings.retention_days, extra
            )
        except Exception:  # a failed prune is retried tomorrow; it must not stop the bot
            log.exception("retention prune failed")
