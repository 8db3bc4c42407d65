"""A supervisor's relayed message is stored with its audit record and delivered from the
relay outbox until Telegram confirms: a crash before the send, or a failing Telegram, only
delays it, and it reaches the patient exactly once."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.alerts.relay import EscalationRelay
from bot.care import conversation, outbox
from bot.clock import ShiftedClock
from bot.storage.outbox import DeliveryStatus
from tests.alerts.conftest import PATIENT, SUPERVISOR, audit_of
from tests.alerts.test_supervisor import World, buttons

TEXT = "Hi, this is Sam. Are you somewhere safe?"
FROM_TEAM = f"From your care team, Sup One: {TEXT}"


async def _patient_got(world: World) -> list[str]:
    return [
        m["text"]
        for m in await world.users.messages(PATIENT)
        if m.get("by_bot") and m.get("text") == FROM_TEAM
    ]


async def _message_patient(world: World) -> str:
    escalation = await world.patient_sos()
    alert = await world.alert(SUPERVISOR)
    await world.press(SUPERVISOR, alert["message_id"], by=SUPERVISOR, text="Message patient")
    return escalation.patient_code


async def test_stored_before_a_crash_then_a_new_relay_delivers_it_exactly_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await _message_patient(world)

    async def dies_before_sending(*args: object, **kwargs: object) -> dict[int, DeliveryStatus]:
        return {}  # the commit happened; the process is gone before any send

    monkeypatch.setattr(conversation.outbox, "deliver_due", dies_before_sending)
    reply = await world.command(SUPERVISOR, TEXT)
    assert reply.startswith(f"Saved for {code}, but Telegram has not taken it yet")
    monkeypatch.undo()
    assert await _patient_got(world) == []
    async with world.services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(PATIENT)
        assert card is not None
        [stored] = await tx.care_messages_for(card.id)
    assert (stored.status, stored.attempts, stored.body) == (DeliveryStatus.PENDING, 0, FROM_TEAM)
    audited = [e.action for e in await audit_of(world.services, code)]
    assert "care.message_to_patient" in audited  # written with the message, before any send

    restarted = EscalationRelay(world.app.bot, world.services)  # a new process: a new holder
    await restarted.tick()
    await restarted.tick()
    await EscalationRelay(world.app.bot, world.services).tick()  # and yet another one
    assert await _patient_got(world) == [FROM_TEAM]  # exactly once
    assert (await world.last(SUPERVISOR))["text"] == f"Your message has now reached {code}."
    async with world.services.store.transaction() as tx:
        [sent] = await tx.care_messages_for(card.id)
    assert (sent.status, sent.attempts) == (DeliveryStatus.SENT, 1)
    assert sent.telegram_message_id is not None
    delivered = [e for e in await audit_of(world.services, code) if e.action.startswith("care.")]
    assert [e.action for e in delivered] == ["care.message_to_patient", "care.message_delivered"]


async def test_a_failing_telegram_only_delays_it(
    world: World, clock: ShiftedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = await _message_patient(world)
    await world.users.set_faults(fail_next=1, method="sendMessage", status=502)
    # Time stands still while Telegram fails: on a busy machine the backoff's 2 s could
    # otherwise pass in real time before the relay's first tick.
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)
    reply = await world.command(SUPERVISOR, TEXT)
    assert reply.startswith(f"Saved for {code}, but Telegram has not taken it yet")
    assert await _patient_got(world) == []
    await world.relay.tick()  # not due yet: the retry waits for its backoff
    assert await _patient_got(world) == []
    monkeypatch.setattr(clock, "now", lambda: frozen + dt.timedelta(seconds=5))
    await world.relay.tick()
    assert await _patient_got(world) == [FROM_TEAM]
    assert (await world.last(SUPERVISOR))["text"] == f"Your message has now reached {code}."


async def test_a_patient_who_blocked_the_bot_is_reported_not_retried(world: World) -> None:
    code = await _message_patient(world)
    await world.users.block(PATIENT)
    reply = await world.command(SUPERVISOR, TEXT)
    assert (
        reply == f"Telegram did not deliver the message to {code} (they may have blocked the bot)."
    )
    async with world.services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(PATIENT)
        assert card is not None
        [failed] = await tx.care_messages_for(card.id)
    assert failed.status is DeliveryStatus.FAILED
    await world.relay.tick()
    assert (await world.last(SUPERVISOR))["text"] == reply  # nothing more is sent or said


async def test_a_patients_reply_survives_a_failing_telegram_and_keeps_its_reply_button(
    world: World, clock: ShiftedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The patient's answer to their care team is stored with the update's commit and
    retried by the relay, like the supervisor's message; the supervisor gets it once, with
    "Reply", and is not sent a "reached" line about a message that was not theirs."""
    code = await _message_patient(world)
    await world.command(SUPERVISOR, TEXT)
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)
    await world.users.set_faults(fail_next=1, method="sendMessage", status=502)
    await world.users.send_text(PATIENT, "yes, at home with my sister")
    await world.pump()
    assert (await world.last(PATIENT))["text"] == "Sent to your care team."
    relayed = f"{code} (—) replied: «yes, at home with my sister»"
    assert (await world.last(SUPERVISOR))["text"] != relayed  # Telegram failed: kept
    monkeypatch.setattr(clock, "now", lambda: frozen + dt.timedelta(seconds=5))
    await world.relay.tick()
    await world.relay.tick()
    got = [m for m in await world.users.messages(SUPERVISOR) if m.get("text") == relayed]
    assert len(got) == 1
    assert buttons(got[0]) == ["Reply"]
    assert (await world.last(SUPERVISOR))["text"] == relayed  # no "has now reached" after it
    async with world.services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(PATIENT)
        assert card is not None
        stored = await tx.care_messages_for(card.id)
    assert [(m.to_supervisor, m.status) for m in stored] == [
        (False, DeliveryStatus.SENT),
        (True, DeliveryStatus.SENT),
    ]


async def test_the_running_relay_leaves_a_new_message_to_its_writer_for_a_moment(
    world: World, clock: ShiftedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tick landing between the commit and the writer's own send must not take the message
    (the supervisor would read "not yet" for a message that went at once); if the writer
    never sends it, the running relay does once `WRITER_FIRST` has passed."""
    code = await _message_patient(world)
    await world.relay.tick()  # recovered: ordinary ticks from here on
    frozen = clock.now()
    monkeypatch.setattr(clock, "now", lambda: frozen)

    async def dies_before_sending(*args: object, **kwargs: object) -> dict[int, DeliveryStatus]:
        return {}

    deliver_due = outbox.deliver_due  # the relay sends through the same function
    monkeypatch.setattr(outbox, "deliver_due", dies_before_sending)
    await world.command(SUPERVISOR, TEXT)
    monkeypatch.setattr(outbox, "deliver_due", deliver_due)
    await world.relay.tick()
    assert await _patient_got(world) == []  # still the writer's
    later = frozen + outbox.WRITER_FIRST + dt.timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    await world.relay.tick()
    assert await _patient_got(world) == [FROM_TEAM]
    assert (await world.last(SUPERVISOR))["text"] == f"Your message has now reached {code}."
