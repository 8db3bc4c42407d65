"""Supervisor buttons and commands, through the real Application and handlers against the
in-process Bot API emulator: only supervisors act, the escalation a button names is looked up
server-side, resolving needs a note, and every copy of an alert shows what happened."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application

from bot.alerts.relay import EscalationRelay
from bot.app import build_application
from bot.clock import ShiftedClock
from bot.emulator import EmulatorClient, EmulatorServer
from bot.services import Services
from bot.storage import Store
from dialogs.records import Escalation

from .conftest import (
    BACKUP,
    PATIENT,
    PATIENT_NAME,
    SECOND_SUPERVISOR,
    SUPERVISOR,
    audit_of,
    escalation_of,
    settings_for,
)

NURSE = 900009  # in the care-team chat, but not a supervisor
NOT_AUTHORISED = "Sorry, this is only for the care team."


@dataclass
class World:
    app: Application  # type: ignore[type-arg]
    relay: EscalationRelay
    services: Services
    users: EmulatorClient
    team: int
    offset: int = 0

    async def pump(self) -> None:
        """Hand every update Telegram holds to the Application, as polling would."""
        while updates := await self.app.bot.get_updates(offset=self.offset, timeout=0):
            for update in updates:
                self.offset = update.update_id + 1
                await self.app.process_update(update)

    async def patient_sos(self, text: str = "/sos") -> Escalation:
        await self.users.send_text(PATIENT, text)
        await self.pump()
        await self.relay.tick()
        async with self.services.store.transaction() as tx:
            [escalation] = await tx.open_escalations()
        return escalation

    async def last(self, chat_id: int) -> dict[str, Any]:
        messages = [m for m in await self.users.messages(chat_id) if m.get("by_bot")]
        return messages[-1]

    async def alert(self, chat_id: int) -> dict[str, Any]:
        """The latest alert in a chat (edits included)."""
        messages = [
            m
            for m in await self.users.messages(chat_id)
            if m.get("by_bot") and "URGENT: patient" in (m.get("text") or "")
        ]
        return messages[-1]

    async def press(
        self,
        chat_id: int,
        message_id: int,
        *,
        by: int,
        text: str | None = None,
        data: str | None = None,
    ) -> dict[str, Any]:
        pressed = await self.users.press(chat_id, message_id, text=text, data=data, from_id=by)
        await self.pump()
        return await self.users.callback_answer(pressed["callback_query_id"])

    async def command(self, user_id: int, text: str) -> str:
        await self.users.send_text(user_id, text)
        await self.pump()
        return str((await self.last(user_id))["text"])


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


@pytest.fixture
async def world(database_url: str, store: Store, clock: ShiftedClock) -> AsyncIterator[World]:
    async with make_world(database_url, store, clock) as made:
        yield made


@asynccontextmanager
async def make_world(
    database_url: str, store: Store, clock: ShiftedClock, **extra: str
) -> AsyncIterator[World]:
    """The Application against a fresh emulator with the care team and one patient;
    `extra` adds settings (e.g. ENROLMENT="invite")."""
    server = EmulatorServer(limits=False, validate=True)
    await server.start()
    users = EmulatorClient(server.url)
    for user_id, name in (
        (SUPERVISOR, "Sup One"),
        (SECOND_SUPERVISOR, "Sup Two"),
        (BACKUP, "Backup"),
        (NURSE, "Nurse"),
        (PATIENT, PATIENT_NAME),
    ):
        await users.create_user(user_id, name, language_code="en")
    team = await users.create_group(
        "Care team", members=[SUPERVISOR, SECOND_SUPERVISOR, NURSE], chat_type="supergroup"
    )
    settings = settings_for(
        database_url, api_url=server.bot_api_base, SUPERVISOR_CHAT_ID=str(team["id"]), **extra
    )
    services = Services.build(settings, clock, store=store)
    app = build_application(settings, clock, services)
    await app.initialize()
    try:
        yield World(app, EscalationRelay(app.bot, services), services, users, int(team["id"]))
        assert await users.violations() == []
    finally:
        await app.shutdown()
        await users.close()
        await server.stop()


ALERT_BUTTONS = ["Acknowledge", "Message patient", "Resolve"]


async def test_non_supervisors_change_nothing_with_any_button_or_command(world: World) -> None:
    escalation = await world.patient_sos()
    team_alert = await world.alert(world.team)
    assert buttons(team_alert) == ALERT_BUTTONS
    answers = [
        await world.press(world.team, team_alert["message_id"], by=NURSE, text=label)
        for label in ALERT_BUTTONS
    ]
    crisis_reply = await world.last(PATIENT)  # a forged button on the patient's own message
    for action in ("ack", "resolve", "msg", "out-safe"):
        answers.append(
            await world.press(
                PATIENT,
                crisis_reply["message_id"],
                by=PATIENT,
                data=f"esc:{escalation.id}:{action}",
            )
        )
    answers.append(
        await world.press(
            PATIENT,
            crisis_reply["message_id"],
            by=PATIENT,
            data=f"care:msg:{escalation.patient_id}",
        )
    )
    for answer in answers:
        assert answer["answer"] == {**answer["answer"], "text": NOT_AUTHORISED, "show_alert": True}
    code = escalation.patient_code
    for command in ("/alerts", f"/resolve {code}"):
        assert await world.command(PATIENT, command) == NOT_AUTHORISED
        assert await world.command(NURSE, command) == NOT_AUTHORISED
    after = await escalation_of(world.services, escalation.id)
    assert (after.state, after.acknowledged_by, after.resolved_by) == ("notified", None, None)
    assert not (await world.alert(world.team)).get("edited")
    refused = [e for e in await audit_of(world.services, "-") if e.action == "supervisor.refused"]
    assert len(refused) == 3 + 5 + 4
    async with world.services.store.transaction() as tx:
        assert await tx.care_session(PATIENT) is None and await tx.care_session(NURSE) is None


async def test_a_supervisor_acknowledges_and_every_copy_shows_who(world: World) -> None:
    escalation = await world.patient_sos()
    mine = await world.alert(SUPERVISOR)
    answer = await world.press(SUPERVISOR, mine["message_id"], by=SUPERVISOR, text="Acknowledge")
    assert answer["answered"]
    after = await escalation_of(world.services, escalation.id)
    assert (after.state, after.acknowledged_by) == ("acknowledged", SUPERVISOR)
    for chat in (SUPERVISOR, SECOND_SUPERVISOR, world.team):
        copy = await world.alert(chat)
        assert copy["edited"], chat
        assert f"Acknowledged by {SUPERVISOR}" in copy["text"]
        assert buttons(copy)[0] == f"✓ Sup One ({SUPERVISOR})"
    # A second supervisor pressing the same alert learns it is acknowledged; nothing changes.
    theirs = await world.alert(SECOND_SUPERVISOR)
    again = await world.press(
        SECOND_SUPERVISOR,
        theirs["message_id"],
        by=SECOND_SUPERVISOR,
        data=f"esc:{escalation.id}:ack",
    )
    assert again["answer"]["text"] == "Acknowledged"
    assert (await escalation_of(world.services, escalation.id)).acknowledged_by == SUPERVISOR
    acks = [
        e
        for e in await audit_of(world.services, escalation.patient_code)
        if e.action == "escalation.acknowledged"
    ]
    who = [(e.actor, e.details["name"]) for e in acks]
    assert who == [(f"supervisor:{SUPERVISOR}", "Sup One")]
    assert acks[0].at is not None


async def test_resolving_takes_an_outcome_and_a_note_by_button(world: World) -> None:
    escalation = await world.patient_sos()
    code = escalation.patient_code
    mine = await world.alert(SUPERVISOR)
    await world.press(SUPERVISOR, mine["message_id"], by=SUPERVISOR, text="Resolve")
    choose = await world.last(SUPERVISOR)
    assert choose["text"] == f"Outcome for {code}'s incident?"
    assert buttons(choose) == [
        "Contacted and safe",
        "Referred to emergency services",
        "Unreachable, keep trying",
        "Not a risk",
    ]
    # The patient answering "I'm safe right now" is recorded, and closes nothing.
    crisis_reply = await world.last(PATIENT)
    await world.users.press(PATIENT, crisis_reply["message_id"], text="I'm safe right now")
    await world.pump()
    recorded = await escalation_of(world.services, escalation.id)
    assert (recorded.state, recorded.patient_response) == ("notified", "safe_now")
    assert "I'm safe right now" in await world.command(SUPERVISOR, "/alerts")
    await world.press(SUPERVISOR, choose["message_id"], by=SUPERVISOR, text="Contacted and safe")
    assert "please send a short note" in (await world.last(SUPERVISOR))["text"]
    assert (await escalation_of(world.services, escalation.id)).state == "notified"
    done = await world.command(SUPERVISOR, "called her, safe with family")
    assert done == f"{code}'s incident is resolved."
    resolved = await escalation_of(world.services, escalation.id)
    assert (resolved.state, resolved.resolved_by) == ("resolved", SUPERVISOR)
    assert resolved.resolution_note == "called her, safe with family"
    for chat in (SUPERVISOR, SECOND_SUPERVISOR, world.team):
        copy = await world.alert(chat)
        assert f"Resolved by {SUPERVISOR}" in copy["text"] and buttons(copy) == []
        assert "Outcome: Contacted and safe" in copy["text"]
    events = await audit_of(world.services, code)
    [resolution] = [e for e in events if e.action == "escalation.resolved"]
    assert resolution.details["outcome"] == "safe"
    assert await world.command(SUPERVISOR, "/alerts") == "No open alerts."
    assert await world.command(SUPERVISOR, f"/resolve {code}") == "No open alerts."


async def test_unreachable_keeps_the_incident_open_with_a_reminder(world: World) -> None:
    escalation = await world.patient_sos()
    await world.press(
        SUPERVISOR,
        (await world.alert(SUPERVISOR))["message_id"],
        by=SUPERVISOR,
        data=f"esc:{escalation.id}:out-unreachable",
    )
    assert await world.command(SUPERVISOR, "no answer, voicemail left") == (
        f"Noted. {escalation.patient_code}'s incident stays open and you will be reminded to "
        "try again."
    )
    kept = await escalation_of(world.services, escalation.id)
    assert (kept.state, kept.acknowledged_by, kept.resolved_by) == (
        "acknowledged",
        SUPERVISOR,
        None,
    )
    assert "Unreachable so far" in (await world.alert(SECOND_SUPERVISOR))["text"]
    world.services.clock.advance(  # type: ignore[attr-defined]
        dt.timedelta(seconds=world.services.settings.escalation_remind_seconds + 1)
    )
    await world.relay.tick()
    reminder = await world.last(SUPERVISOR)
    assert reminder["text"].startswith(f"Reminder: {escalation.patient_code} was unreachable")
    assert "Message patient" in buttons(reminder)
    assert "Reminder" not in (await world.last(SECOND_SUPERVISOR))["text"]


async def test_resolve_by_command_never_closes_what_the_supervisor_has_not_seen(
    world: World,
) -> None:
    escalation = await world.patient_sos()
    code = escalation.patient_code
    first = await world.command(SUPERVISOR, f"/resolve {code}")
    assert first.startswith("There is something in this incident you have not seen yet")
    assert "Patient asked for help" in first
    assert (await world.command(SUPERVISOR, f"/resolve {code}")).startswith("Outcome for")
    # A new trigger joins: the supervisor has not seen that one.
    await world.users.send_text(PATIENT, "I want to kill myself")
    await world.pump()
    again = await world.command(SUPERVISOR, f"/resolve {code}")
    assert again.startswith("There is something in this incident you have not seen yet")
    assert "Risk language in a message" in again
    assert (await escalation_of(world.services, escalation.id)).state == "notified"


async def test_a_trigger_after_the_outcome_was_chosen_stops_the_resolution(world: World) -> None:
    escalation = await world.patient_sos()
    mine = await world.alert(SUPERVISOR)
    await world.press(
        SUPERVISOR, mine["message_id"], by=SUPERVISOR, data=f"esc:{escalation.id}:out-no_risk"
    )
    await world.users.send_text(PATIENT, "I want to kill myself")  # meanwhile, a new trigger
    await world.pump()
    refused = await world.command(SUPERVISOR, "seemed fine on the phone")
    assert refused.startswith("There is something in this incident you have not seen yet")
    assert "Risk language in a message" in refused
    assert (await escalation_of(world.services, escalation.id)).state == "notified"
    async with world.services.store.transaction() as tx:
        assert await tx.care_session(SUPERVISOR) is None  # they choose the outcome again


async def test_alerts_patient_and_forged_ids(world: World) -> None:
    escalation = await world.patient_sos()
    code = escalation.patient_code
    listing = await world.command(SECOND_SUPERVISOR, "/alerts")
    assert listing.startswith(f"{code} (—) - Patient asked for help - Not acknowledged")
    assert "No patient found" in await world.command(SUPERVISOR, "/resolve NOPE42")
    mine = await world.alert(SUPERVISOR)
    answer = await world.press(SUPERVISOR, mine["message_id"], by=SUPERVISOR, data="esc:99999:ack")
    assert answer["answer"]["text"] == "I can't find that alert."
    answer = await world.press(SUPERVISOR, mine["message_id"], by=SUPERVISOR, data="esc:x:drop")
    assert answer["answer"]["text"] == "I can't find that alert."
    for forged in ("esc:99999999999999999999:ack", "esc:2147483648:resolve", "esc:٣:ack"):
        # Out of range for the database (PostgreSQL raised and the press fell through to
        # the patient pipeline), or a non-ASCII digit: refused like any unknown alert.
        answer = await world.press(SUPERVISOR, mine["message_id"], by=SUPERVISOR, data=forged)
        assert answer["answer"]["text"] == "I can't find that alert."
    assert (await escalation_of(world.services, escalation.id)).state == "notified"


async def test_the_alert_names_the_code_and_the_trigger_never_the_patient(world: World) -> None:
    escalation = await world.patient_sos("honestly I want to go to sleep and never wake up")
    for chat in (SUPERVISOR, SECOND_SUPERVISOR, world.team):
        alert = await world.alert(chat)
        assert f"URGENT: patient {escalation.patient_code}" in alert["text"]
        assert "Risk language in a message" in alert["text"]
        assert "never wake up" in alert["text"]  # the message that raised it
        assert "Zelda" not in alert["text"] and "Quux" not in alert["text"]


async def test_a_press_with_a_forged_chat_never_moves_the_patients_replies(world: World) -> None:
    """A press names the pressed message's chat as the client reports it: not trusted."""
    await world.command(PATIENT, "/start")
    forged = Update.de_json(
        {
            "update_id": 987654,
            "callback_query": {
                "id": "forged-1",
                "from": {"id": PATIENT, "is_bot": False, "first_name": PATIENT_NAME},
                "chat_instance": "x",
                "data": "anything",
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": NURSE, "type": "private"},
                },
            },
        },
        world.app.bot,
    )
    before = len(await world.users.messages(NURSE))
    mine = len(await world.users.messages(PATIENT))
    await world.app.process_update(forged)
    assert len(await world.users.messages(NURSE)) == before  # nothing to someone else
    assert len(await world.users.messages(PATIENT)) > mine  # the presser's own chat
    await world.users.clear_violations()  # the forged query id cannot be answered
    async with world.services.store.transaction() as tx:
        state = await tx.load_patient(PATIENT, world.services.clock.now())
    assert state is not None and state.patient.chat_id == PATIENT
