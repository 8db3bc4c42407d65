"""Retention: old free text is pruned, open incidents keep their words, doctor sees what is due."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Store
from bot.storage.models import BarrierPlanRow, SessionRow
from bot.storage.retention import (
    DEFAULT_EXTRA,
    RetentionCounts,
    due,
    processed_updates_cutoff,
    prune,
)
from tests.records.seed import NOW, Seeded

DAYS = 30  # cut-off 2026-10-31: Ana's first-week note and her barrier plan are older


async def _notes(store: Store) -> list[str | None]:
    async with AsyncSession(store.engine) as session:
        return list(
            await session.scalars(select(SessionRow.note).where(SessionRow.note.is_not(None)))
        )


async def test_prune_old_free_text_and_keep_open_incidents(store: Store, seeded: Seeded) -> None:
    assert await _notes(store) == ["ZQX-ANA-NOTE"]
    assert await due(store, NOW, DAYS) == RetentionCounts(1, 1, 0, 0)
    assert await due(store, NOW, 60) == RetentionCounts(0, 0, 0, 0)  # nothing that old

    pruned = await prune(store, NOW, DAYS)
    assert (pruned.session_notes, pruned.barrier_plans, pruned.escalation_texts) == (1, 1, 0)
    assert await _notes(store) == []
    async with AsyncSession(store.engine) as session:
        [plan] = await session.scalars(select(BarrierPlanRow))
    assert (plan.barrier, plan.what, plan.when) == ("time", "", "")
    async with store.transaction() as tx:
        opened = await tx.escalation(seeded.ben_open_escalation)
    assert opened is not None and opened.details["message"] == "ZQX-BEN-MESSAGE"  # still open
    assert await due(store, NOW, DAYS) == RetentionCounts(0, 0, 0, 0)


async def test_resolved_incidents_lose_the_patients_words_after_the_period(
    store: Store, seeded: Seeded
) -> None:
    async with store.transaction() as tx:
        opened = await tx.escalation(seeded.ben_open_escalation)
        assert opened is not None
        opened.state, opened.resolved_at, opened.resolved_by = "resolved", NOW, 555
        opened.resolution_note = "called him, safe"
        await tx.update_escalation(opened)
    later = NOW + dt.timedelta(days=DAYS + 1)
    assert (await due(store, later, DAYS)).escalation_texts == 1
    await prune(store, later, DAYS)
    async with store.transaction() as tx:
        kept = await tx.escalation(seeded.ben_open_escalation)
    assert kept is not None
    assert kept.details == {"reason": "explicit", "where": "private"}
    assert kept.resolution_note == "called him, safe"  # the care team's record stays


async def test_processed_update_ids_through_the_registered_pruner(store: Store) -> None:
    async with store.transaction() as tx:
        assert await tx.claim_update(1, NOW - dt.timedelta(days=3))
        assert await tx.claim_update(2, NOW - dt.timedelta(hours=2))
    assert (await due(store, NOW, 1)).processed_updates == 1
    extra = {name: make(store) for name, make in DEFAULT_EXTRA.items()}
    counts = await prune(store, NOW, 1, extra)
    assert counts.extra == {"processed_updates": 1}
    async with store.transaction() as tx:
        assert not await tx.claim_update(2, NOW)  # the recent one is still known
        assert await tx.claim_update(1, NOW)


def test_cutoffs() -> None:
    assert processed_updates_cutoff(NOW, 365) == NOW - dt.timedelta(days=365)
    assert processed_updates_cutoff(NOW, 1) == NOW - dt.timedelta(days=1)
    with pytest.raises(ValueError):
        processed_updates_cutoff(NOW, 0)


async def test_doctor_reports_what_retention_is_due(
    store: Store, seeded: Seeded, database_url: str
) -> None:
    from bot import doctor
    from bot.config import load_settings

    settings = load_settings({"DATABASE_URL": database_url, "RETENTION_DAYS": "30"})
    check = await doctor.retention(settings, NOW)
    assert check.status is doctor.Status.WARNING
    assert "1 session note(s), 1 barrier plan(s)" in check.detail
    await prune(store, NOW, 30)
    check = await doctor.retention(settings, NOW)
    assert check.status is doctor.Status.OK and "kept 30 days" in check.detail


class _JobQueue:
    def __init__(self) -> None:
        self.jobs: list[dict[str, Any]] = []

    def run_repeating(self, callback: Any, **kwargs: Any) -> None:
        self.jobs.append({"callback": callback, **kwargs})


async def test_the_daily_job_is_registered_and_prunes(store: Store, seeded: Seeded) -> None:
    from bot.config import load_settings
    from bot.storage import retention

    queue = _JobQueue()
    services = SimpleNamespace(
        store=store,
        clock=SimpleNamespace(now=lambda: NOW),
        settings=load_settings({"RETENTION_DAYS": "30"}),
    )
    await retention.RetentionWorker(queue, services).start()
    [job] = queue.jobs
    assert (job["name"], job["interval"]) == ("retention-prune", 24 * 60 * 60)
    assert job["job_kwargs"]["replace_existing"] is True
    await job["callback"](None)
    assert await _notes(store) == []
    assert await due(store, NOW, 30) == RetentionCounts(0, 0, 0, 0)
