"""Two Stride processes on one PostgreSQL send due nudges; one is SIGKILLed mid-run.

Both processes run the nudge scheduler (its slots are leased, not led: see `bot.nudges`),
so every due nudge must reach its patient exactly once: neither both processes nor the
restarted one may send a nudge twice, and the killed one's claims must not be lost (its
restart takes over the leases of the dead process and retries what was in flight once).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from zoneinfo import ZoneInfo

from bot.faultbench.harness import World, buttons_of
from bot.faultbench.scenarios import Tally, _expect, _until
from bot.storage.migrate import upgrade_to_head
from bot.storage.repository import Store
from dialogs.state import Outcome
from state_machines.journey import JourneyState

SESSION_BUTTON = "Show today's session"  # on every session nudge, whatever its variant


def daytime_zone(now: dt.datetime) -> str:
    """A fixed-offset zone where it is early afternoon now: never in quiet hours."""
    offset = 14 - now.hour  # Etc/GMT signs are inverted: Etc/GMT-3 is UTC+3
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "+0")


async def seed_due_sessions(store: Store, user_ids: list[int], now: dt.datetime) -> None:
    """Active patients whose session time is this minute, today a training day: the first
    tick of either process plans a session nudge for each, due now."""
    zone = daytime_zone(now)
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - dt.timedelta(days=local.weekday() + 14)
    async with store.transaction() as tx:
        for user_id in user_ids:
            state = await tx.create_patient(
                telegram_id=user_id,
                chat_id=user_id,
                language="en",
                country="US",
                timezone=zone,
                now=now,
            )
            state.patient.journey = JourneyState.ACTIVE
            profile = state.profile
            profile.age, profile.resting_hr, profile.beta_blockers = 40, 60, False
            profile.preferred_modalities = ["aerobic"]
            profile.training_days = [local.weekday()]
            profile.preferred_time = local.strftime("%H:%M")
            profile.programme_start = profile.phase_started = monday
            await tx.save(state, Outcome(), now)


async def two_instances_nudges(world: World, rng: random.Random, patients: int = 4) -> Tally:
    """Due nudges with two processes, one SIGKILLed 0–1.5 s in and restarted: each patient
    gets their session nudge exactly once."""
    await upgrade_to_head(world.database_url)
    people = [6200 + i for i in range(patients)]
    for user_id in people:
        await world.users.create_user(user_id, "Pat", language_code="en")
    store = world.store()
    try:
        await seed_due_sessions(store, people, dt.datetime.now(dt.UTC))
    finally:
        await store.engine.dispose()
    first, second = world.bot("first"), world.bot("second")
    await asyncio.gather(first.start(world.users), second.start(world.users))
    await asyncio.sleep(rng.uniform(0.0, 1.5))
    await first.kill()
    await first.start(world.users)  # a crashed process is restarted (and takes over)

    async def everyone() -> bool:
        return all([await _nudges(world, user_id) for user_id in people])

    await _until(everyone, 20)
    await asyncio.sleep(2)  # time for a duplicate to show
    lost = duplicated = 0
    for user_id in people:
        more_lost, more_duplicated = _expect(await _nudges(world, user_id), 1)
        lost, duplicated = lost + more_lost, duplicated + more_duplicated
    await asyncio.gather(first.stop(), second.stop())
    return Tally(patients, lost, duplicated)


async def _nudges(world: World, user_id: int) -> int:
    """Session nudges the patient got (counted by their button: the text has variants)."""
    return sum(
        SESSION_BUTTON in buttons_of(m)
        for m in await world.users.messages(user_id)
        if m.get("by_bot")
    )
