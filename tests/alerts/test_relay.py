"""The relay: stored alerts reach every supervisor, survive failures and restarts, are chased
until acknowledged and resolved, and are never sent twice for the same step and chat."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from bot.alerts import routing
from bot.alerts.relay import MAX_BACKOFF_SECONDS, EscalationRelay, backoff
from bot.care.alert_view import mark_seen
from bot.care.incidents import acknowledge, record_outcome
from bot.clock import ShiftedClock
from bot.services import Services
from bot.storage.outbox import DeliveryStatus
from tests.storage.test_statement_budget import counted

from .conftest import (
    ACK_SECONDS,
    BACKUP,
    PATIENT,
    RESOLVE_SECONDS,
    SECOND_SUPERVISOR,
    SUPERVISOR,
    FakeBot,
    audit_of,
    deliveries_of,
    escalation_of,
    later,
    routine_flag,
    settings_for,
    sos,
)


def supervisor_rows(rows: list) -> list:  # type: ignore[type-arg]
    return [d for d in rows if not routing.is_patient_reply(d.step)]


async def resolve(services: Services, escalation_id: int, by: int, note: str) -> bool:
    """Look at the incident, then resolve it with the outcome "contacted and safe"."""
    async with services.store.transaction() as tx:
        await mark_seen(tx, escalation_id, by)
    return (await record_outcome(services, escalation_id, by, "safe", note)).changed


async def test_the_alert_is_stored_and_queued_before_anything_is_sent(
    services: Services, fake_bot: FakeBot
) -> None:
    handled = await sos(services, replied=False)
    [escalation_id] = handled.escalation_ids
    escalation = await escalation_of(services, escalation_id)
    assert (escalation.state, escalation.priority.value) == ("open", "urgent")
    rows = await deliveries_of(services, escalation_id)
    assert {(d.step, d.chat_id, d.status) for d in rows} == {
        (0, SUPERVISOR, DeliveryStatus.PENDING),
        (0, SECOND_SUPERVISOR, DeliveryStatus.PENDING),
        (routing.PATIENT_REPLY_STEP, PATIENT, DeliveryStatus.PENDING),
    }
    assert fake_bot.sent == []
    events = await audit_of(services, escalation.patient_code)
    opened = [e for e in events if e.action == "escalation.opened"]
    assert opened and opened[0].details["to"] == [SUPERVISOR, SECOND_SUPERVISOR]


async def test_every_supervisor_gets_the_alert_once_and_it_is_marked_notified(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay
) -> None:
    [escalation_id] = (await sos(services)).escalation_ids
    for _ in range(3):
        await relay.tick()
    assert fake_bot.chats() == [SUPERVISOR, SECOND_SUPERVISOR]
    escalation = await escalation_of(services, escalation_id)
    assert escalation.state == "notified"
    rows = supervisor_rows(await deliveries_of(services, escalation_id))
    assert all(d.status is DeliveryStatus.SENT and d.telegram_message_id for d in rows)
    events = await audit_of(services, escalation.patient_code)
    delivered = [e for e in events if e.action == "escalation.delivered"]
    assert sorted(e.details["chat"] for e in delivered) == [SUPERVISOR, SECOND_SUPERVISOR]
    assert all(e.at is not None and e.actor == "relay" for e in delivered)


async def test_an_idle_poll_costs_one_statement_and_a_due_alert_still_goes_out(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay
) -> None:
    await relay.tick()  # the first tick recovers whatever a crash left
    with counted(services.store) as statements:
        await relay.tick(polled=True)
    assert len(statements) == 1, statements
    [escalation_id] = (await sos(services)).escalation_ids  # stored, the relay not woken
    await relay.tick(polled=True)
    assert fake_bot.chats() == [SUPERVISOR, SECOND_SUPERVISOR]
    assert (await escalation_of(services, escalation_id)).state == "notified"


def test_backoff_doubles_up_to_a_minute() -> None:
    assert [backoff(n).total_seconds() for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff(50) == dt.timedelta(seconds=MAX_BACKOFF_SECONDS)


async def test_a_failing_send_is_retried_with_backoff_until_telegram_confirms(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    fake_bot.fail[SUPERVISOR] = 3
    [escalation_id] = (await sos(services)).escalation_ids
    await relay.tick()
    assert fake_bot.to(SUPERVISOR) == []
    for expected_wait in (1, 2, 4):
        rows = await deliveries_of(services, escalation_id)
        row = next(d for d in rows if d.chat_id == SUPERVISOR)
        assert row.status is DeliveryStatus.PENDING and row.last_error == "Bad Gateway"
        assert row.next_attempt_at is not None
        await relay.tick()  # not due yet: nothing is attempted
        assert fake_bot.to(SUPERVISOR) == []
        later(clock, expected_wait)
        await relay.tick()
    assert len(fake_bot.to(SUPERVISOR)) == 1
    assert len(fake_bot.to(SECOND_SUPERVISOR)) == 1
    row = next(d for d in await deliveries_of(services, escalation_id) if d.chat_id == SUPERVISOR)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 4)


async def test_a_refusal_is_permanent_logged_loudly_and_moves_to_the_backups_at_once(
    services: Services,
    fake_bot: FakeBot,
    relay: EscalationRelay,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_bot.refuse.add(SUPERVISOR)
    [escalation_id] = (await sos(services)).escalation_ids
    with caplog.at_level(logging.CRITICAL, logger="bot.alerts.relay"):
        await relay.tick()
        await relay.tick()
    loud = [r.message for r in caplog.records if "ALERT UNDELIVERABLE" in r.message]
    assert loud and str(SUPERVISOR) in loud[0]
    escalation = await escalation_of(services, escalation_id)
    assert escalation.level == 1
    rows = supervisor_rows(await deliveries_of(services, escalation_id))
    assert {(d.step, d.chat_id, d.status) for d in rows} == {
        (0, SUPERVISOR, DeliveryStatus.FAILED),
        (0, SECOND_SUPERVISOR, DeliveryStatus.SENT),
        (1, BACKUP, DeliveryStatus.SENT),  # the next level: only who was not asked yet
    }
    assert len(fake_bot.to(SECOND_SUPERVISOR)) == 1
    assert "escalation level 1" in fake_bot.to(BACKUP)[0].text
    actions = [e.action for e in await audit_of(services, escalation.patient_code)]
    assert "escalation.delivery_refused" in actions and "escalation.re_escalated" in actions
    # The acknowledgement deadline is unchanged: the timed re-escalation still comes.
    assert escalation.next_action_at == escalation.created_at + dt.timedelta(seconds=ACK_SECONDS)


async def test_when_everyone_refuses_levels_do_not_run_away(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    fake_bot.refuse.update({SUPERVISOR, SECOND_SUPERVISOR, BACKUP})
    [escalation_id] = (await sos(services)).escalation_ids
    for _ in range(4):
        await relay.tick()
    assert (await escalation_of(services, escalation_id)).level == 1
    attempts = fake_bot.attempts
    assert attempts == 3
    # At the deadline everyone is asked again (one may have started the bot since).
    fake_bot.refuse.discard(BACKUP)
    later(clock, ACK_SECONDS + 1)
    await relay.tick()
    assert [s.chat_id for s in fake_bot.sent] == [BACKUP]


async def test_after_a_crash_pending_alerts_go_out_at_once_and_only_once(
    services: Services, fake_bot: FakeBot, clock: ShiftedClock
) -> None:
    fake_bot.outage = True
    first = EscalationRelay(fake_bot, services)  # type: ignore[arg-type]
    [escalation_id] = (await sos(services, replied=False)).escalation_ids
    for wait in (0, 1, 2, 4):
        later(clock, wait)
        await first.tick()
    rows = await deliveries_of(services, escalation_id)
    assert all(d.status is DeliveryStatus.PENDING for d in rows)
    assert all(d.next_attempt_at is not None and d.next_attempt_at > clock.now() for d in rows)
    # The process dies; Telegram recovers; a new process starts its relay.
    healthy = FakeBot()
    second = EscalationRelay(healthy, services)  # type: ignore[arg-type]
    await second.tick()
    assert healthy.chats() == sorted([SUPERVISOR, SECOND_SUPERVISOR, PATIENT])
    patient_reply = healthy.to(PATIENT)[0]
    assert "988" in patient_reply.text  # the crisis reply the handler could not send
    for _ in range(3):
        await second.tick()
    assert len(healthy.sent) == 3


async def test_no_step_is_delivered_twice_to_the_same_chat(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay
) -> None:
    [escalation_id] = (await sos(services)).escalation_ids
    await relay.tick()
    now = services.clock.now()
    async with services.store.transaction() as tx:  # the step queued again, as by a retry
        await tx.add_deliveries(escalation_id, 0, [SUPERVISOR, SECOND_SUPERVISOR], now)
    for _ in range(3):
        await relay.tick()
    assert fake_bot.chats() == [SUPERVISOR, SECOND_SUPERVISOR]


async def test_unacknowledged_alerts_go_to_the_next_level_once_then_only_remind(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    [escalation_id] = (await sos(services)).escalation_ids
    await relay.tick()
    later(clock, ACK_SECONDS - 5)
    await relay.tick()
    assert len(fake_bot.sent) == 2  # not yet
    later(clock, 10)
    await relay.tick()
    [again] = fake_bot.sent[2:]  # only the next level's people, once
    assert again.chat_id == BACKUP and "Not acknowledged in time" in again.text
    escalation = await escalation_of(services, escalation_id)
    assert (escalation.state, escalation.level) == ("notified", 1)
    later(clock, ACK_SECONDS + 1)  # the last level: no more levels, a reminder is not due yet
    await relay.tick()
    assert len(fake_bot.sent) == 3
    remind = services.settings.escalation_remind_seconds
    later(clock, remind)
    await relay.tick()
    reminders = fake_bot.sent[3:]
    assert sorted(s.chat_id for s in reminders) == [SUPERVISOR, SECOND_SUPERVISOR, BACKUP]
    assert all(s.text.startswith("Reminder:") and len(s.text) < 120 for s in reminders)
    assert all(s.reply_markup is not None for s in reminders)  # the buttons come along
    later(clock, remind)  # the interval doubles: nothing yet
    await relay.tick()
    assert len(fake_bot.sent) == 6
    later(clock, remind + 1)
    await relay.tick()
    assert len(fake_bot.sent) == 9
    assert (await escalation_of(services, escalation_id)).level == 1  # never "level 6"


async def test_acknowledged_alerts_get_reminders_until_resolved(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    [escalation_id] = (await sos(services)).escalation_ids
    await relay.tick()
    escalation, changed = await acknowledge(services, escalation_id, SECOND_SUPERVISOR, "Sam")
    assert changed and escalation is not None
    later(clock, ACK_SECONDS + 1)
    await relay.tick()
    assert len(fake_bot.sent) == 2  # acknowledged: never re-escalated
    later(clock, RESOLVE_SECONDS)
    await relay.tick()
    [reminder] = fake_bot.sent[2:]
    assert reminder.chat_id == SECOND_SUPERVISOR
    assert "Reminder" in reminder.text and "acknowledged but not resolved" in reminder.text
    later(clock, RESOLVE_SECONDS + 1)
    await relay.tick()
    assert [s.chat_id for s in fake_bot.sent[3:]] == [SECOND_SUPERVISOR]
    code = (await escalation_of(services, escalation_id)).patient_code
    assert await resolve(services, escalation_id, SUPERVISOR, "called, safe with family")
    later(clock, RESOLVE_SECONDS * 3)
    await relay.tick()
    assert len(fake_bot.sent) == 4
    actions = [e.action for e in await audit_of(services, code)]
    assert actions.count("escalation.reminded") == 2
    assert "escalation.acknowledged" in actions and "escalation.resolved" in actions


async def test_a_reminder_the_acknowledger_cannot_receive_goes_to_every_supervisor(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    [escalation_id] = (await sos(services)).escalation_ids
    await relay.tick()
    await acknowledge(services, escalation_id, SUPERVISOR, "Ana")
    fake_bot.refuse.add(SUPERVISOR)
    later(clock, RESOLVE_SECONDS + 1)
    await relay.tick()
    await relay.tick()
    assert sorted(s.chat_id for s in fake_bot.sent[2:]) == [SECOND_SUPERVISOR, BACKUP]


async def test_routine_flags_are_delivered_once_and_never_chased(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    escalation_id = await routine_flag(services)
    await relay.tick()
    assert fake_bot.chats() == [SUPERVISOR, SECOND_SUPERVISOR]
    assert "For review" in fake_bot.sent[0].text
    for _ in range(3):
        later(clock, ACK_SECONDS + RESOLVE_SECONDS)
        await relay.tick()
    assert len(fake_bot.sent) == 2
    escalation = await escalation_of(services, escalation_id)
    assert (escalation.state, escalation.level, escalation.next_action_at) == ("notified", 0, None)
    rows = await deliveries_of(services, escalation_id)
    assert not any(routing.is_patient_reply(d.step) for d in rows)  # no crisis reply for a flag


async def test_the_crisis_reply_is_sent_by_the_relay_only_if_the_handler_could_not(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    await relay.tick()  # the relay has started; later rows wait for their time
    await sos(services, user_id=PATIENT, replied=True)
    await sos(services, user_id=PATIENT + 1, name="Other", replied=False)
    await relay.tick()
    assert PATIENT + 1 not in fake_bot.chats()  # the handler gets its chance first
    later(clock, routing.PATIENT_REPLY_GRACE.total_seconds() + 1)
    await relay.tick()
    assert PATIENT not in fake_bot.chats()
    [reply] = fake_bot.to(PATIENT + 1)
    assert "988" in reply.text and "not an emergency service" in reply.text
    labels = [b.text for row in reply.reply_markup.inline_keyboard for b in row]
    assert labels == ["I'm safe right now", "I need help now", "Show my safety plan"]


async def test_deliveries_of_a_resolved_escalation_are_dropped(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay
) -> None:
    fake_bot.outage = True
    [escalation_id] = (await sos(services)).escalation_ids
    await relay.tick()
    await resolve(services, escalation_id, SUPERVISOR, "seen in clinic")
    fake_bot.outage = False
    relay_after = EscalationRelay(fake_bot, services)  # type: ignore[arg-type]
    await relay_after.tick()
    assert fake_bot.sent == []
    rows = supervisor_rows(await deliveries_of(services, escalation_id))
    assert [d.last_error for d in rows] == ["resolved before delivery"] * 2
    assert all(d.status is DeliveryStatus.FAILED for d in rows)


async def test_with_no_primary_supervisor_the_backups_are_told_at_once(database_url: str) -> None:
    settings = settings_for(database_url, SUPERVISOR_IDS="")
    assert routing.recipients(settings, 0) == [BACKUP]
    team = settings_for(database_url, SUPERVISOR_CHAT_ID="-100777")
    assert routing.recipients(team, 0) == [SUPERVISOR, SECOND_SUPERVISOR, -100777]
    assert routing.recipients(team, 1) == [BACKUP]  # the team chat has it from level 0


async def test_an_acknowledgement_made_while_the_timer_runs_is_never_overwritten(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    [escalation_id] = (await sos(services)).escalation_ids
    await relay.tick()
    later(clock, ACK_SECONDS + 1)
    async with services.store.transaction() as tx:  # the timer has listed it as due …
        assert [e.id for e in await tx.due_escalations(clock.now())] == [escalation_id]
    await acknowledge(services, escalation_id, SUPERVISOR, "Ana")  # … a supervisor acts …
    async with services.store.transaction() as tx:  # … then the timer acts on it
        await relay._advance(tx, escalation_id, clock.now())
    escalation = await escalation_of(services, escalation_id)
    assert (escalation.state, escalation.level, escalation.acknowledged_by) == (
        "acknowledged",
        0,
        SUPERVISOR,
    )
    await relay.tick()
    assert len(fake_bot.sent) == 2


async def test_reaching_the_patient_is_not_reaching_a_supervisor(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay
) -> None:
    fake_bot.refuse.update({SUPERVISOR, SECOND_SUPERVISOR, BACKUP})
    [escalation_id] = (await sos(services, replied=False)).escalation_ids
    for _ in range(3):
        await relay.tick()  # the first tick after start sends everything pending
    assert fake_bot.chats() == [PATIENT]
    escalation = await escalation_of(services, escalation_id)
    assert escalation.state == "open"  # nobody on the care team has it yet
    actions = [e.action for e in await audit_of(services, escalation.patient_code)]
    assert "escalation.patient_replied" in actions and "escalation.notified" not in actions


async def test_a_crisis_reply_a_day_old_is_not_sent_but_the_alert_still_is(
    services: Services, fake_bot: FakeBot, relay: EscalationRelay, clock: ShiftedClock
) -> None:
    [escalation_id] = (await sos(services, replied=False)).escalation_ids
    later(clock, 25 * 3600)  # the bot was down for a day
    await relay.tick()
    assert PATIENT not in fake_bot.chats()
    assert SUPERVISOR in fake_bot.chats() and BACKUP in fake_bot.chats()
    [patient_row] = [
        d for d in await deliveries_of(services, escalation_id) if routing.is_patient_reply(d.step)
    ]
    assert (patient_row.status, patient_row.last_error) == (
        DeliveryStatus.FAILED,
        "crisis reply too old to send",
    )


async def test_a_resolution_needs_a_note(services: Services) -> None:
    [escalation_id] = (await sos(services)).escalation_ids
    with pytest.raises(ValueError, match="note"):
        await resolve(services, escalation_id, SUPERVISOR, "   ")
    with pytest.raises(ValueError, match="outcome"):
        await record_outcome(services, escalation_id, SUPERVISOR, "fine", "a note")
    assert (await escalation_of(services, escalation_id)).state == "open"
    assert not await resolve(services, 10**6, SUPERVISOR, "a note")
