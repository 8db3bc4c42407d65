"""Five weeks of every session, through the real bot and a moved clock: the dose climbs.

The patient logs a session every day (a session logged on a planned day fulfils it), the
clock moves a day at a time, and after five weeks /today offers more minutes than on day 1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.emulator import EmulatorClient
from tests.e2e.harness import BotProcess, Person, set_clock
from tests.e2e.test_patient_journey import answer_profile, onboard

pytestmark = pytest.mark.e2e

PATIENT = 5101
DAY = 86_400
MINUTES = re.compile(r"(\d+) minutes")


async def offered_minutes(person: Person) -> int:
    """The minutes /today offers: today's session, or the next one on a rest day."""
    await person.send("/today")
    message = await person.wait_for(" minutes")
    found = MINUTES.search(message.get("text") or "")
    assert found is not None, message
    return int(found.group(1))


# The dose rules do not depend on the database, and this story is the suite's longest (about
# 4 minutes of Telegram pacing): it runs on SQLite only; the PostgreSQL path of logging a
# session is covered by the patient-journey story. `long`: it starts first on its worker.
@pytest.mark.long
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_five_weeks_of_every_session_climb_the_dose(
    bot: BotProcess, users: EmulatorClient, clock_file: Path
) -> None:
    await users.create_user(PATIENT, "Sam", language_code="en")
    await bot.start(users)
    person = Person(users, PATIENT)
    await onboard(person)
    await answer_profile(person)
    await person.wait_for("Your plan this week")
    day_one = await offered_minutes(person)
    assert day_one == 20  # phase 1, first week: the bottom of 20–30
    for day in range(35):
        await set_clock(clock_file, day * DAY)
        await person.send("/log")
        await person.press("Aerobic exercise")
        await person.press("30 min")
        await person.press("About right")
        await person.press("5")
        await person.press("7")
        await person.wait_for("30 minutes")
    await set_clock(clock_file, 35 * DAY)
    assert await offered_minutes(person) > day_one
