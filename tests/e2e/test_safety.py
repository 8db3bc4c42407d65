"""The safety protocol through the real bot process and the Bot API emulator.

- PHQ-9 item 9 "Several days": the crisis reply with the US line (988) and an alert to every
  supervisor within seconds; a non-supervisor pressing the alert changes nothing; a
  supervisor's press acknowledges and every copy of the alert shows it.
- A Telegram outage at the moment of the answer, then SIGKILL: after a restart with Telegram
  healthy each supervisor gets the alert exactly once, and the patient the crisis reply.
- /sos, risk language in a peer group (nothing in the group, the reply in private), then
  re-escalation to the backup supervisor and a resolve reminder, driven by the clock file.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import EmulatorClient
from bot.storage.outbox import DeliveryStatus
from bot.storage.repository import Store
from tests.e2e.harness import (
    BACKUP_SUPERVISOR,
    SECOND_SUPERVISOR,
    SUPERVISOR,
    BotProcess,
    Person,
    buttons_of,
    set_clock,
)

pytestmark = pytest.mark.e2e

PATIENT = 5201
NURSE = 900009  # a member of the care-team chat who is not a supervisor
GROUP_MEMBER = 5202
ALERT_SECONDS = 5.0
CRISIS_BUTTONS = ["I'm safe right now", "I need help now", "Show my safety plan"]


async def reach_item9(person: Person) -> None:
    await person.send("/start")
    await person.wait_for("not an emergency service")
    await person.press("I agree")
    await person.wait_for("Where are you")
    await person.press("New York")
    await person.wait_for("Question 1 of 9")
    for number in range(2, 10):
        await person.press("Not at all")
        await person.wait_for(f"Question {number} of 9")


async def bot_messages(users: EmulatorClient, chat_id: int, fragment: str) -> list[dict[str, Any]]:
    return [
        m
        for m in await users.messages(chat_id)
        if m.get("by_bot") and fragment in (m.get("text") or "")
    ]


async def escalation_states(store: Store) -> list[tuple[str, int, int | None]]:
    async with store.transaction() as tx:
        return [(e.state, e.level, e.acknowledged_by) for e in await tx.open_escalations()]


async def test_item9_gets_the_crisis_reply_and_only_a_supervisor_acknowledges(
    bot: BotProcess, users: EmulatorClient, store: Store
) -> None:
    await users.create_user(PATIENT, "Pat Doe", language_code="en")
    await users.create_user(NURSE, "Nurse", language_code="en")
    team = await users.create_group(
        "Care team", members=[SUPERVISOR, SECOND_SUPERVISOR, NURSE], chat_type="supergroup"
    )
    bot.env["SUPERVISOR_CHAT_ID"] = str(team["id"])
    await bot.start(users)
    person = Person(users, PATIENT)
    await reach_item9(person)
    await person.press("Several days")
    pressed = time.monotonic()
    reply = await person.wait_for("988")
    for fragment in ("has been told", "not an emergency service", "Emergency services"):
        assert fragment in reply["text"]
    assert buttons_of(reply) == CRISIS_BUTTONS
    alerts = {}
    for chat in (SUPERVISOR, SECOND_SUPERVISOR, team["id"]):
        alerts[chat] = await users.wait_for_text(chat, "URGENT", timeout=ALERT_SECONDS)
    assert time.monotonic() - pressed < ALERT_SECONDS
    first = alerts[SUPERVISOR]["text"]
    assert "PHQ-9 item 9 = 1, total = 1" in first and "Pat" not in first
    assert buttons_of(alerts[SUPERVISOR]) == ["Acknowledge", "Message patient", "Resolve"]

    # The nurse in the team chat presses the real button: refused, nothing changes.
    nurse = await users.press(
        team["id"], alerts[team["id"]]["message_id"], text="Acknowledge", from_id=NURSE
    )
    answer = await users.callback_answer(nurse["callback_query_id"], wait=5)
    assert answer["answer"]["text"] == "Sorry, this is only for the care team."
    assert await escalation_states(store) == [("notified", 0, None)]

    # A supervisor acknowledges: every copy of the alert says who.
    await users.press(SUPERVISOR, alerts[SUPERVISOR]["message_id"], text="Acknowledge")
    for chat in (SUPERVISOR, SECOND_SUPERVISOR, team["id"]):
        edited = await users.wait_for_text(chat, f"Acknowledged by {SUPERVISOR}", timeout=5)
        assert buttons_of(edited)[0] == f"✓ Sup One ({SUPERVISOR})"
    assert await escalation_states(store) == [("acknowledged", 0, SUPERVISOR)]


@pytest.mark.both_databases
async def test_an_alert_survives_a_telegram_outage_and_a_crash_and_arrives_once(
    bot: BotProcess, users: EmulatorClient, store: Store
) -> None:
    await users.create_user(PATIENT, "Pat", language_code="en")
    await bot.start(users)
    person = Person(users, PATIENT)
    await reach_item9(person)
    await users.set_faults(fail_sends=True)  # every send fails: patient and supervisors alike
    await person.press("Several days")
    deadline = time.monotonic() + 10
    tried: set[int] = set()
    while tried != {SUPERVISOR, SECOND_SUPERVISOR} and time.monotonic() < deadline:
        async with store.transaction() as tx:
            [escalation] = await tx.open_escalations() or [None]
            rows = await tx.deliveries_for(escalation.id) if escalation else []
        tried = {d.chat_id for d in rows if d.attempts and d.status is DeliveryStatus.PENDING}
        await asyncio.sleep(0.1)
    assert tried == {SUPERVISOR, SECOND_SUPERVISOR}, "the relay never tried during the outage"
    bot.kill()  # SIGKILL right after the answer: nothing was delivered
    assert await bot_messages(users, SUPERVISOR, "URGENT") == []
    await users.clear_faults()
    await bot.restart_after_kill(users)
    for chat in (SUPERVISOR, SECOND_SUPERVISOR):
        await users.wait_for_text(chat, "URGENT", timeout=ALERT_SECONDS)
    await person.wait_for("988")  # the crisis reply the outage swallowed
    await asyncio.sleep(2)  # time for any duplicate to show up
    for chat in (SUPERVISOR, SECOND_SUPERVISOR):
        assert len(await bot_messages(users, chat, "URGENT")) == 1
    assert await bot_messages(users, BACKUP_SUPERVISOR, "URGENT") == []
    assert len(await bot_messages(users, PATIENT, "988")) == 1


async def test_sos_group_risk_re_escalation_and_reminders(
    bot: BotProcess, users: EmulatorClient, store: Store, clock_file: Path
) -> None:
    bot.env.update(ESCALATION_ACK_SECONDS="60", ESCALATION_RESOLVE_SECONDS="120")
    await users.create_user(PATIENT, "Pat", language_code="en")
    await users.create_user(GROUP_MEMBER, "Gus", language_code="en")
    group = await users.create_group("Walkers", members=[PATIENT, GROUP_MEMBER])
    await bot.start(users)

    person = Person(users, PATIENT)
    await person.send("/sos")
    sos_reply = await person.wait_for("988")
    assert buttons_of(sos_reply) == CRISIS_BUTTONS
    for chat in (SUPERVISOR, SECOND_SUPERVISOR):
        await users.wait_for_text(chat, "Patient asked for help", timeout=ALERT_SECONDS)

    before = len(await users.messages(group["id"]))
    await users.send_text(GROUP_MEMBER, "I want to go to sleep and never wake up", group["id"])
    private = Person(users, GROUP_MEMBER)
    await private.wait_for("988")
    for chat in (SUPERVISOR, SECOND_SUPERVISOR):
        alert = await users.wait_for_text(chat, "[group]", timeout=ALERT_SECONDS)
        assert "never wake up" in alert["text"] and "Gus" not in alert["text"]
    await asyncio.sleep(1)
    assert [m for m in (await users.messages(group["id"]))[before:] if m.get("by_bot")] == []

    # Unacknowledged past ESCALATION_ACK_SECONDS: both alerts again, now to the backup too.
    await set_clock(clock_file, 61)
    for _ in range(2):
        await users.wait_for_text(BACKUP_SUPERVISOR, "Not acknowledged in time", timeout=5)
    deadline = time.monotonic() + 5
    while len(await bot_messages(users, BACKUP_SUPERVISOR, "URGENT")) < 2:
        assert time.monotonic() < deadline, "the backup did not get both alerts"
        await asyncio.sleep(0.2)
    assert sorted(await escalation_states(store)) == [("notified", 1, None)] * 2

    # The backup acknowledges the /sos alert; past ESCALATION_RESOLVE_SECONDS, a reminder to
    # them alone. The group-risk incident, unacknowledged past the last level, gets one short
    # reminder to everyone it reached.
    [sos_alert] = await bot_messages(users, BACKUP_SUPERVISOR, "Patient asked for help")
    sos_code = sos_alert["text"].split("patient ", 1)[1].split(" ", 1)[0]
    await users.press(BACKUP_SUPERVISOR, sos_alert["message_id"], text="Acknowledge")
    await users.wait_for_text(BACKUP_SUPERVISOR, f"Acknowledged by {BACKUP_SUPERVISOR}", 5)
    await set_clock(clock_file, 61 + 121)
    reminder = await users.wait_for_text(BACKUP_SUPERVISOR, "but not resolved", timeout=5)
    assert reminder["text"].startswith(f"Reminder: {sos_code}'s incident")
    other = await users.wait_for_text(SUPERVISOR, "is not acknowledged", timeout=5)
    assert sos_code not in other["text"]
    assert [
        m for m in await bot_messages(users, SUPERVISOR, "Reminder") if sos_code in m["text"]
    ] == []
    states = sorted(await escalation_states(store))
    assert states == [("acknowledged", 1, BACKUP_SUPERVISOR), ("notified", 1, None)]
