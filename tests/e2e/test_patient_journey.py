"""A patient's whole first day, through the real bot process and the emulator.

Also: a crash (SIGKILL) in the middle of a PHQ-9 and a restart resume at the same item with
earlier answers kept.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.emulator import EmulatorClient
from bot.storage.repository import Store
from tests.e2e.harness import BotProcess, Person, bots_now

pytestmark = pytest.mark.e2e

PATIENT = 5001


async def onboard(person: Person, item9: str = "Not at all") -> None:
    await person.send("/start")
    await person.wait_for("not an emergency service")
    await person.press("I agree")
    await person.wait_for("Where are you")
    await person.press("New York")
    await person.wait_for("Question 1 of 9")
    for number in range(2, 10):
        await person.press("Several days")
        await person.wait_for(f"Question {number} of 9")
    await person.press(item9)


async def answer_profile(person: Person) -> None:
    await person.wait_for("how difficult")
    await person.press("Somewhat difficult")
    for _ in range(7):
        await person.wait_for("?")
        await person.press("No")
    await person.wait_for("How old")
    await person.send("40")
    await person.wait_for("resting heart rate")
    await person.send("60")
    await person.wait_for("beta-blocker")
    await person.press("No")
    await person.press("Now and then")
    await person.press("Aerobic exercise")
    await person.press("Done")
    await person.wait_for("fit you")
    await person.press("Done")
    await person.wait_for("matters")
    await person.send("Being there for my kids")
    await person.wait_for("get in the way")
    await person.press("Done")
    await person.wait_for("days")
    await person.press("Done")
    await person.wait_for("time")
    await person.send("07:30")
    await person.wait_for("share your phone number")
    await person.tap("Not now")


async def test_new_patient_reaches_a_logged_first_session_and_a_barrier_plan(
    bot: BotProcess, users: EmulatorClient, store: Store
) -> None:
    await users.create_user(PATIENT, "Pat", language_code="en")
    await bot.start(users)
    person = Person(users, PATIENT)
    await onboard(person)
    await answer_profile(person)
    await person.wait_for("Your plan this week")
    await person.send("/log")
    await person.press("Aerobic exercise")
    await person.press("30 min")
    await person.press("About right")
    await person.press("4")
    await person.press("7")
    await person.wait_for("30 minutes")
    await person.send("/barrier")
    await person.press("Too tired")
    await person.press("Go on")
    await person.press("That makes sense")
    await person.press("Let's try the short one")
    await person.press("Tomorrow morning")
    await person.wait_for("your plan")
    async with store.transaction() as tx:
        state = await tx.load_patient(PATIENT, bots_now())
    assert state is not None
    assert state.patient.journey == "active"
    assert len(state.checkins) == 1 and state.checkins[0].total == 8
    assert [s.minutes for s in state.sessions] == [30]
    assert state.patient.timezone == "America/New_York"
    async with store.engine.connect() as connection:
        plans = await connection.execute(text('SELECT barrier, what, "when" FROM barrier_plans'))
        assert [tuple(row) for row in plans] == [
            ("low_energy", "short_session", "tomorrow_morning")
        ]
    commands = await users.commands()
    assert any(c.get("language_code") == "es" for c in commands)


@pytest.mark.both_databases
async def test_a_crash_mid_checkin_resumes_at_the_same_item(
    bot: BotProcess, users: EmulatorClient, store: Store
) -> None:
    await users.create_user(PATIENT, "Pat", language_code="en")
    await bot.start(users)
    person = Person(users, PATIENT)
    await person.send("/start")
    await person.press("I agree")
    await person.press("London")
    await person.wait_for("Question 1 of 9")
    for number in range(2, 5):
        await person.press("More than half the days")
        await person.wait_for(f"Question {number} of 9")
    await bot.restart_after_kill(users)
    await person.send("/checkin")
    await person.wait_for("Question 4 of 9")
    for number in range(5, 10):
        await person.press("Not at all")
        await person.wait_for(f"Question {number} of 9")
    await person.press("Not at all")
    await person.wait_for("how difficult")
    await person.press("Not difficult at all")
    await person.wait_for("27")
    async with store.transaction() as tx:
        state = await tx.load_patient(PATIENT, bots_now())
    assert state is not None
    assert len(state.checkins) == 1
    answers = state.checkins[0].answers
    assert [answers[f"phq9_{i}"] for i in range(1, 10)] == [2, 2, 2, 0, 0, 0, 0, 0, 0]
    assert state.checkins[0].total == 6
