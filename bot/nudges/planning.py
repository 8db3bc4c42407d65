"""Keeps every patient's schedule planned a day or two ahead, cheaply.

Each patient has a horizon (`nudge_horizons.planned_until`, their next local midnight). A tick
plans only the patients whose horizon ran out (and patients never planned), so planning
follows the sun: each time zone's patients are planned once a day, at their midnight, for
today and tomorrow. Tomorrow is planned a day early so a slow or down planner never costs a
morning reminder. Planning is idempotent (slots are unique per chat and key), so a patient
planned twice, or by two processes, gets each slot once.

Changes a patient makes (days, time, pause, a logged session) need no re-planning: each slot
is checked against the state as it is when it falls due (`dialogs.nudges.decide`). A slot
that did not exist when the day was planned (a training day added today) starts the next day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from bot.config import Settings
from bot.nudges.serial import Transactions
from bot.storage.nudges import NewSlot
from content.loader import Content
from dialogs import nudges, programme
from dialogs.nudges import NudgeKind, Slot, SlotStatus
from dialogs.timezones import tz_for

log = logging.getLogger(__name__)

BATCH = 100  # patients read and planned together (one short transaction each way)
YIELD_EVERY = 25  # patients planned between two chances for other tasks to run
# Slots this far back are read for their keys and variants (rotation needs yesterday's).
MEMORY = dt.timedelta(days=3)
# Walk all patients again now and then for any never planned that the id cursor skipped
# (a transaction committing a lower id after a higher one, on PostgreSQL).
SWEEP_SECONDS = 3600.0
_NO_STATE_RETRY = dt.timedelta(days=1)


@dataclass
class Cursor:
    """How far the walk through never-planned patients got (ids only grow)."""

    after_id: int = 0
    swept_at: float = field(default_factory=time.monotonic)

    def maybe_restart(self) -> None:
        if time.monotonic() - self.swept_at > SWEEP_SECONDS:
            self.after_id, self.swept_at = 0, time.monotonic()


async def plan_patients(
    store: Transactions, content: Content, ids: list[int], now: dt.datetime
) -> int:
    """Plan the given patients' coming days; return how many slots were added.

    Read, plan, write: the planning itself (the costly part) runs between two short
    transactions, yielding to the event loop now and then, so replies, alerts and a running
    fan-out are not held up by it, nor by SQLite's writer lock.
    """
    async with store.transaction() as tx:
        states = await tx.nudge_states(ids, now, sessions=dt.timedelta(days=1))
        known = await tx.slots_since(ids, now.date() - MEMORY)
    added: list[NewSlot] = []
    horizons = dict.fromkeys(ids, now + _NO_STATE_RETRY)  # gone or half-created
    for count, state in enumerate(states.values(), start=1):
        pid = state.patient.id
        for slot in nudges.plan(state, content, known.get(pid, [])):
            added.append(NewSlot(pid, state.patient.chat_id, slot))
            if slot.status is not SlotStatus.PLANNED:
                log.info(
                    "nudge %s for patient %s %s at planning: %s",
                    slot.key,
                    pid,
                    slot.status.value,
                    slot.reason,
                )
        horizons[pid] = nudges.planned_until(state, content)
        if count % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    async with store.transaction() as tx:
        await tx.add_slots(added, now)
        await tx.set_horizons(horizons, now)
    return len(added)


async def plan_due(
    store: Transactions,
    content: Content,
    now: dt.datetime,
    cursor: Cursor,
    budget_seconds: float,
) -> int:
    """Plan patients whose horizon ran out, then never-planned ones, for up to the budget."""
    deadline = time.monotonic() + budget_seconds
    planned = 0
    cursor.maybe_restart()
    while True:
        async with store.transaction() as tx:
            ids = await tx.patients_due_for_planning(now, BATCH)
            fresh = await tx.unplanned_patients(cursor.after_id, BATCH - len(ids))
        if fresh:
            cursor.after_id = fresh[-1]
        if not ids and not fresh:
            return planned
        await plan_patients(store, content, ids + fresh, now)
        planned += len(ids) + len(fresh)
        if time.monotonic() >= deadline:
            return planned


async def plan_digest(
    store: Transactions, settings: Settings, content: Content, now: dt.datetime
) -> None:
    """On the digest day, one slot per supervisor (idempotent: a no-op after the first)."""
    recipients = settings.all_supervisor_ids
    schedule = content.nudges.digest
    zone = tz_for(settings.default_timezone)
    today = now.astimezone(zone).date()
    day = programme.week_start(today) + dt.timedelta(days=schedule.weekday)
    if not recipients or day != today:
        return
    due = nudges.local_instant(day, dt.time.fromisoformat(schedule.time), zone)
    if now - due > content.nudges.grace:
        return
    slot = Slot(NudgeKind.DIGEST, nudges.slot_key(NudgeKind.DIGEST, day), day, due, 0, 0)
    async with store.transaction() as tx:
        await tx.add_slots([NewSlot(None, chat, slot) for chat in recipients], now)
