"""The opt-in daily mood check through the real bot, with a moved clock and restarts.

An onboarded patient (seeded in the database: onboarding has its own tests) opts in to a
check at 12:00 in /settings at 08:00; at 12:00 New York time the check arrives; a low
rating gets the 10-minute offer; nothing is logged; two hours later exactly one follow-up
comes. The bot is killed and restarted after each clock move: its first nudge tick comes a
second after start (so the test takes seconds, not minutes), and the schedule is shown to
live in the database, not in the process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.emulator import EmulatorClient
from bot.storage.repository import Store
from content.loader import shipped_content
from dialogs.records import ConsentRecord
from dialogs.state import Outcome
from tests.e2e.harness import BotProcess, Person, bots_now, set_clock

pytestmark = pytest.mark.e2e

PATIENT = 5201
NEW_YORK = ZoneInfo("America/New_York")  # onboarding's "New York"


# Nudges rotate through their texts, starting from the day's number: which one comes depends
# on the date the test runs, so any of them counts (their openings, before a placeholder).
def _openings(key: str) -> tuple[str, ...]:
    return tuple(v.split("{")[0][:24] for v in shipped_content().texts.variants("en", key))


CHECK = _openings("nudge.mood_check.text")
FOLLOW_UP = _openings("nudge.mood_check.follow_up")


async def seed_patient(store: Store) -> None:
    """Onboarded in New York this week: training Mon/Wed/Fri at 07:30, consent on record."""
    now = bots_now()
    consent = shipped_content().consent
    async with store.transaction() as tx:
        state = await tx.create_patient(
            telegram_id=PATIENT,
            chat_id=PATIENT,
            language="en",
            country="US",
            timezone="America/New_York",
            now=now,
        )
        state.patient.journey = "active"
        profile = state.profile
        profile.age, profile.resting_hr, profile.beta_blockers = 40, 60, False
        profile.activity_level, profile.preferred_modalities = "some", ["aerobic"]
        profile.training_days, profile.preferred_time = [0, 2, 4], "07:30"
        profile.programme_start = profile.phase_started = now.astimezone(NEW_YORK).date()
        agreed = ConsentRecord(consent.id, consent.current.version, now)
        await tx.save(state, Outcome(records=[agreed]), now)


async def move_clock_to(clock_file: Path, target: dt.datetime) -> None:
    """Set the bot's clock offset so that its "now" is `target` (a few seconds after)."""
    await set_clock(clock_file, int((target - bots_now()).total_seconds()))


def tomorrow_at(hour: int, minute: int = 0, second: int = 5) -> dt.datetime:
    day = bots_now().astimezone(NEW_YORK).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute, second), NEW_YORK)


async def check_messages(users: EmulatorClient, fragments: tuple[str, ...]) -> int:
    return sum(
        1
        for m in await users.messages(PATIENT)
        if m.get("by_bot") and any(f in (m.get("text") or "") for f in fragments)
    )


async def test_low_mood_check_offer_and_one_follow_up(
    bot: BotProcess, users: EmulatorClient, store: Store, clock_file: Path
) -> None:
    await users.create_user(PATIENT, "Robin", language_code="en")
    await seed_patient(store)
    # The opt-in happens at 08:00 on the story's day: at the real time of day the check
    # for 12:00 could be due already (a run at 12:20 New York time got two checks).
    await move_clock_to(clock_file, tomorrow_at(8))
    await bot.start(users)
    person = Person(users, PATIENT)

    await person.send("/settings")
    await person.press("Daily mood check")
    await person.wait_for("once a day")
    await person.press("12:00")
    await person.wait_for("Daily mood check: at 12:00")

    await move_clock_to(clock_file, tomorrow_at(12))
    await bot.restart_after_kill(users)
    await person.wait_for(CHECK, timeout=20)
    await person.press("2")
    await person.wait_for("10 easy minutes")  # the offer; the patient lets it be

    await move_clock_to(clock_file, tomorrow_at(14, 1))
    await bot.restart_after_kill(users)
    await person.wait_for(FOLLOW_UP, timeout=20)
    # Let the send be recorded before the next kill: a kill between Telegram's accept and
    # the commit repeats a nudge once (at most once more, measured by `stride bench faults`).
    await asyncio.sleep(1)

    await move_clock_to(clock_file, tomorrow_at(15, 30))
    await bot.restart_after_kill(users)
    await person.send("/mood")  # answered after the first tick has had its second
    await person.wait_for("How is your mood")
    await asyncio.sleep(1.5)
    assert await check_messages(users, FOLLOW_UP) == 1
    assert await check_messages(users, CHECK) == 1
