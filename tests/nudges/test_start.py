"""The nudge worker registers one minute tick under a fixed id, however often it starts."""

from __future__ import annotations

import datetime as dt

from telegram.ext import ApplicationBuilder

from bot.nudges import runner as nudges_runner
from bot.services import Services
from bot.storage import Store
from bot.storage.nudges import SLOT_LEASE
from dialogs.nudges import SlotStatus
from tests.nudges.conftest import MovableClock, NewPatient, slots_of
from tests.nudges.helpers import local


async def test_one_repeating_job_with_a_fixed_id(services: Services) -> None:
    application = ApplicationBuilder().token("123:test").updater(None).build()
    job_queue = application.job_queue
    assert job_queue is not None
    await job_queue.start()
    try:
        first = nudges_runner.NudgeWorker(application, services)
        second = nudges_runner.NudgeWorker(application, services)  # e.g. post_init re-run
        await first.start()
        await second.start()
        jobs = job_queue.jobs()
        assert [job.job.id for job in jobs] == [nudges_runner.JOB_ID]
        assert jobs[0].job.trigger.interval == dt.timedelta(seconds=nudges_runner.TICK_SECONDS)
        assert jobs[0].data is None  # the job carries nothing; the database has the schedule
        assert first.health().ok and second.health().ok
        await second.stop()
        assert job_queue.jobs() == ()
        assert not second.health().ok
    finally:
        await job_queue.stop(wait=False)


async def test_start_recovers_claimed_slots(
    services: Services, store: Store, clock: MovableClock, onboarded: NewPatient
) -> None:
    clock.set(local("America/New_York", 2026, 3, 2, 0, 5))
    await onboarded()
    await nudges_runner.NudgeRunner(services).plan()
    clock.set(local("America/New_York", 2026, 3, 2, 9, 0))
    async with store.transaction() as tx:
        (slot,) = [s for s in await tx.due_slots(clock.now(), 10) if s.chat_id == 1001]
        assert await tx.claim_slot(slot.id, clock.now())
    clock.set(clock.now() + SLOT_LEASE)  # the crashed sender's lease has run out
    application = ApplicationBuilder().token("123:test").updater(None).build()
    assert application.job_queue is not None
    await nudges_runner.NudgeWorker(application, services).start()
    assert [s.slot.status for s in await slots_of(store, 1001)] == [
        SlotStatus.PLANNED,  # retried once by the first tick
        SlotStatus.PLANNED,  # the follow-up at 19:00
    ]


async def test_a_live_senders_claim_is_left_alone(
    services: Services, store: Store, clock: MovableClock, onboarded: NewPatient
) -> None:
    """Two processes: the second's recovery must not re-send what the first is sending."""
    clock.set(local("America/New_York", 2026, 3, 2, 0, 5))
    await onboarded()
    await nudges_runner.NudgeRunner(services).plan()
    clock.set(local("America/New_York", 2026, 3, 2, 9, 0))
    async with store.transaction() as tx:
        (slot,) = [s for s in await tx.due_slots(clock.now(), 10) if s.chat_id == 1001]
        assert await tx.claim_slots([slot.id], clock.now(), by="first-process")
    second = nudges_runner.NudgeRunner(services)
    assert sum((await second.recover()).values()) == 0
    assert next(s.slot.status for s in await slots_of(store, 1001)) is SlotStatus.SENDING
    clock.set(clock.now() + SLOT_LEASE)
    assert (await second.recover())["retry"] == 1
