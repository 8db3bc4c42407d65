"""SIGKILL at every step of onboarding, then restart: the next answer always continues.

One patient walks the whole onboarding through the real bot process and the emulator. Before
every answer the bot is killed (no shutdown code runs) and started again; the patient then
presses the button or types the answer on the question they were shown, and the next
question comes. Steps inside a step are covered too: mid-baseline, mid-readiness, and a
multi-choice question with a box already ticked (the tick must survive the kill).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.emulator import EmulatorClient
from bot.emulator.actions import own_phone
from bot.storage.repository import Store
from tests.e2e.harness import BotProcess, Person, bots_now, buttons_of

pytestmark = pytest.mark.e2e

PATIENT = 5301

# (how the patient answers, the answer, a fragment of the question that must come next).
WALK: list[tuple[str, str, str]] = [
    ("send", "/start", "not an emergency service"),
    ("press", "I agree", "Where are you"),
    ("press", "London", "Question 1 of 9"),
    *[("press", "Several days", f"Question {n} of 9") for n in range(2, 6)],
    *[("press", "Not at all", f"Question {n} of 9") for n in range(6, 10)],
    ("press", "Not at all", "how difficult"),
    ("press", "Somewhat difficult", "a few quick yes-or-no questions"),
    *[("press", "No", f"Question {n} of 7") for n in range(2, 8)],
    ("press", "No", "How old"),
    ("send", "44", "resting heart rate"),
    ("send", "62", "beta-blocker"),
    ("press", "No", "How active"),
    ("press", "Now and then", "What kinds of activity"),
    ("press", "Aerobic exercise", "✓ Aerobic exercise"),
    ("press", "Done", "Do any of these fit you"),
    ("press", "Done", "What matters most"),
    ("send", "Walking with my dog", "get in the way"),
    ("press", "Done", "Which days"),
    ("press", "Done", "What time of day"),
    ("send", "07:45", "share your phone number"),
    ("tap", "📞 Share my phone number", "That's everything"),
]
# The bot is killed before the answers that lead to these questions: every onboarding step
# (consent, timezone, baseline, readiness, each profile question) at least once; not before
# every baseline and readiness item, to keep the runtime reasonable.
KILL_BEFORE = {
    "Where are you",  # on the consent
    "Question 1 of 9",  # on the timezone
    "Question 4 of 9",  # mid-baseline (the answer given on question 3)
    "how difficult",  # the last baseline item
    "a few quick yes-or-no questions",  # the difficulty question
    "Question 3 of 7",  # mid-readiness
    "How old",  # the last readiness question
    "resting heart rate",
    "beta-blocker",
    "How active",
    "What kinds of activity",
    "✓ Aerobic exercise",
    "Do any of these fit you",  # "Done" with a box ticked before the kill
    "What matters most",
    "get in the way",
    "Which days",
    "What time of day",
    "share your phone number",
    "That's everything",  # on the phone question (the contact button)
}


async def ticked(users: EmulatorClient, label: str, timeout: float = 30) -> None:
    """A ticked box redraws the same message: wait for its button to carry the tick."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = await users.messages(PATIENT)
        if any(label in buttons_of(m) for m in messages if m.get("by_bot")):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"no button {label!r}")


async def test_a_kill_before_any_onboarding_answer_loses_nothing(
    bot: BotProcess, users: EmulatorClient, store: Store
) -> None:
    await users.create_user(PATIENT, "Robin", language_code="en")
    await bot.start(users)
    person = Person(users, PATIENT)
    kills = 0
    for how, answer, expect in WALK:
        if expect in KILL_BEFORE:
            await bot.restart_after_kill(users, args=("--no-migrate",))  # migrated once
            kills += 1
        if how == "send":
            await person.send(answer)
        elif how == "tap":
            await person.tap(answer)
        else:
            await person.press(answer)
        if expect.startswith("✓"):
            await ticked(users, expect)
        else:
            await person.wait_for(expect, timeout=30)
    assert kills >= 18
    async with store.transaction() as tx:
        state = await tx.load_patient(PATIENT, bots_now())
    assert state is not None
    assert state.patient.journey == "active"
    assert state.patient.timezone == "Europe/London" and state.patient.country == "GB"
    assert (state.profile.age, state.profile.resting_hr) == (44, 62)
    assert state.profile.preferred_modalities == ["aerobic"]
    assert state.profile.values_text == "Walking with my dog"
    assert state.profile.preferred_time == "07:45"
    assert state.patient.phone == own_phone(PATIENT)  # the contact button's own number
    async with store.transaction() as tx:
        card = await tx.patient_card_by_telegram(PATIENT)
    assert card is not None and card.phone == own_phone(PATIENT)  # what alerts show
    assert len(state.checkins) == 1
    assert [state.checkins[0].answers[f"phq9_{i}"] for i in range(1, 10)] == [1] * 4 + [0] * 5
    assert not any(state.profile.readiness_answers.values())
