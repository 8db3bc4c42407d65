"""The care team's side through the real bot process and the Bot API emulator, invite mode:

invitation link → consent and the PHQ-9 → item 9 → ONE incident alert showing the clinic
reference → "Message patient" round trip → a second trigger edits the same incident (one
short "new trigger" line, no new alert) → resolve with an outcome and a note. A stranger is
turned away; someone who is not a supervisor can do none of it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.care.enrolment import create_invite
from bot.config import load_settings
from bot.emulator import EmulatorClient
from bot.storage.repository import Store
from tests.e2e.harness import SUPERVISOR, BotProcess, Person, bots_clock, buttons_of
from tests.e2e.test_safety import bot_messages

pytestmark = pytest.mark.e2e

PATIENT = 5301
STRANGER = 5302
NURSE = 900009
NOT_AUTHORISED = "Sorry, this is only for the care team."
WAIT = 30  # seconds: generous, the machine running the suite may be busy


async def alerts(users: EmulatorClient) -> list[dict[str, Any]]:
    return await bot_messages(users, SUPERVISOR, "URGENT: patient")


@pytest.mark.both_databases
async def test_invite_to_incident_to_relay_to_resolution(
    bot: BotProcess, users: EmulatorClient, store: Store, database_url: str
) -> None:
    for user_id, name in ((PATIENT, "Pat Doe"), (STRANGER, "Stranger"), (NURSE, "Nurse")):
        await users.create_user(user_id, name, language_code="en")
    bot.env["ENROLMENT"] = "invite"
    await bot.start(users)

    # A stranger is turned away with one line; nothing is stored about them.
    stranger = Person(users, STRANGER)
    await stranger.send("hello")
    await stranger.wait_for("Please ask your care team for your invitation link.", timeout=WAIT)
    async with store.transaction() as tx:
        assert await tx.patient_card_by_telegram(STRANGER) is None

    # The invitation link: consent, the PHQ-9, item 9.
    settings = load_settings({"DATABASE_URL": database_url})
    invite = await create_invite(store, bots_clock(), settings, "MRN-E2E-7", SUPERVISOR, "e2e")
    person = Person(users, PATIENT)
    await person.send(f"/start {invite.code}")
    await person.wait_for("not an emergency service", timeout=WAIT)
    await person.press("I agree")
    await person.wait_for("Where are you", timeout=WAIT)
    await person.press("New York")
    await person.wait_for("Question 1 of 9", timeout=WAIT)
    for number in range(2, 10):
        await person.press("Not at all")
        await person.wait_for(f"Question {number} of 9", timeout=WAIT)
    await person.press("Several days")
    await person.wait_for("988", timeout=WAIT)

    alert = await users.wait_for_text(SUPERVISOR, "URGENT: patient", timeout=10)
    assert "Clinic ref: MRN-E2E-7" in alert["text"] and "Pat" not in alert["text"]
    assert buttons_of(alert) == ["Acknowledge", "Message patient", "Resolve"]
    code = alert["text"].split("patient ", 1)[1].split(" ", 1)[0]

    # Someone who is not a supervisor can do none of it.
    [crisis, *_] = await bot_messages(users, PATIENT, "988")
    incident_id = alert["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1]
    for data in (
        f"esc:{incident_id}:ack",
        f"esc:{incident_id}:msg",
        f"esc:{incident_id}:out-safe",
    ):
        pressed = await users.press(PATIENT, crisis["message_id"], data=data)
        answer = await users.callback_answer(pressed["callback_query_id"], wait=5)
        assert answer["answer"]["text"] == NOT_AUTHORISED
    nurse = Person(users, NURSE)
    for command in ("/patients", f"/patient {code}", f"/resolve {code}", "/invite X"):
        await nurse.send(command)
        await nurse.wait_for(NOT_AUTHORISED, timeout=WAIT)

    # "Message patient": the supervisor's next message reaches the patient, and back.
    supervisor = Person(users, SUPERVISOR)
    await supervisor.press("Message patient")
    await supervisor.wait_for(f"Send your message for {code} now", timeout=WAIT)
    await supervisor.send("Hi, it's Sam from the clinic. Are you safe right now?")
    await supervisor.wait_for(f"Sent to {code}", timeout=WAIT)
    await person.wait_for(
        "From your care team, Sup One: Hi, it's Sam from the clinic.", timeout=WAIT
    )
    await person.send("yes, I'm at home")
    await person.wait_for("Sent to your care team.", timeout=WAIT)
    await supervisor.wait_for(f"{code} (MRN-E2E-7) replied: «yes, I'm at home»")

    # A second trigger while open: the same incident, edited, and one short line.
    await person.send("but honestly I want to kill myself")
    await person.wait_for("988", timeout=WAIT)
    line = await supervisor.wait_for(f"New trigger for {code}", timeout=WAIT)
    assert "Risk language in a message" in line["text"]
    deadline = time.monotonic() + 10
    while "kill myself" not in (await alerts(users))[0]["text"]:  # the alert, edited
        assert time.monotonic() < deadline, "the alert was not edited"
        await asyncio.sleep(0.2)
    [edited] = await alerts(users)
    assert edited["edited"] and "PHQ-9 item 9" in edited["text"]

    # Resolve with an outcome and a note.
    await supervisor.press("Resolve")
    await supervisor.wait_for(f"Outcome for {code}'s incident?", timeout=WAIT)
    await supervisor.press("Contacted and safe")
    await supervisor.wait_for("please send a short note", timeout=WAIT)
    await supervisor.send("Spoke for 20 min; safe with her sister; GP tomorrow.")
    await supervisor.wait_for(f"{code}'s incident is resolved.", timeout=WAIT)
    done = await users.wait_for_text(SUPERVISOR, "Outcome: Contacted and safe", timeout=10)
    assert done["text"].startswith(f"URGENT: patient {code}") and buttons_of(done) == []
    async with store.transaction() as tx:
        assert await tx.open_escalations() == []
        card = await tx.patient_card_by_telegram(PATIENT)
    assert card is not None and card.clinic_ref == "MRN-E2E-7"
