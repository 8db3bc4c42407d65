"""The runner against a real (migrated) database and a fake bot: once, on time, never stale."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from telegram.error import Forbidden, TimedOut

from bot.nudges.runner import NudgeRunner
from bot.services import Services
from bot.storage import Store
from bot.storage.nudges import SLOT_LEASE
from dialogs.nudges import NudgeKind, SlotStatus
from dialogs.records import SessionStatus
from tests.nudges.conftest import (
    SUPERVISORS,
    FakeBot,
    MovableClock,
    NewPatient,
    slots_of,
    update_patient,
)
from tests.nudges.helpers import checkin, local, session

NY = "America/New_York"
CHAT = 1001


def ny(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return local(NY, 2026, month, day, hour, minute)


class Crash(Exception):
    """Stands for the process dying at that point."""


async def status_of(store: Store, kind: NudgeKind, chat: int = CHAT) -> tuple[str, str | None]:
    (slot,) = [s for s in await slots_of(store, chat) if s.slot.kind is kind]
    return slot.slot.status.value, slot.slot.reason


async def test_reminder_goes_once_at_the_local_time(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded()
    assert (await runner.tick(bot))["sent"] == 0
    clock.set(ny(2, 8, 59))
    await runner.tick(bot)
    assert bot.sent == []
    clock.set(ny(2, 9, 0))
    await runner.tick(bot)
    (message,) = bot.to(CHAT)
    assert message.buttons == ["m:cmd:today"]
    assert message.rate_limit_args is None  # normal priority: the per-chat limiter applies
    slots = await slots_of(services.store, CHAT)
    (reminder,) = [s for s in slots if s.slot.kind is NudgeKind.SESSION]
    assert reminder.slot.status is SlotStatus.SENT
    assert reminder.telegram_message_id == message.message_id
    await runner.tick(bot)
    await NudgeRunner(services, per_second=1000).tick(bot)  # a restarted process too
    assert len(bot.to(CHAT)) == 1


async def test_planning_is_once_a_day_per_patient(
    runner: NudgeRunner, clock: MovableClock, onboarded: NewPatient
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded(CHAT)
    await onboarded(CHAT + 1, timezone="Europe/Berlin")
    assert await runner.plan() == 2
    clock.set(ny(2, 17, 0))  # 23:00 in Berlin: nobody's day has rolled over
    assert await runner.plan() == 0
    clock.set(ny(2, 18, 1))  # 00:01 in Berlin
    assert await runner.plan() == 1
    clock.set(ny(3, 0, 1))  # midnight in New York
    assert await runner.plan() == 1


@pytest.mark.parametrize(("back_at", "sent"), [(ny(2, 10, 59), 1), (ny(2, 11, 1), 0)])
async def test_restart_inside_and_after_the_grace_period(
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
    caplog: pytest.LogCaptureFixture,
    back_at: dt.datetime,
    sent: int,
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded()
    await NudgeRunner(services, per_second=1000).plan()  # then the bot is down at 09:00
    clock.set(back_at)
    restarted = NudgeRunner(services, per_second=1000)
    await restarted.recover()
    with caplog.at_level(logging.INFO, logger="bot.nudges"):
        await restarted.tick(bot)
    assert len(bot.sent) == sent
    if not sent:
        assert await status_of(services.store, NudgeKind.SESSION) == ("dropped", "stale")
        assert "session:2026-03-02" in caplog.text and "grace" in caplog.text


async def test_no_burst_of_stale_nudges_after_long_downtime(
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(1, 12, 0))  # Sunday
    for offset in range(5):
        await onboarded(CHAT + offset, training_days=[0, 1])
    await NudgeRunner(services, per_second=1000).plan()
    clock.set(ny(3, 15, 0))  # down from Monday morning to Tuesday afternoon
    outcomes = await NudgeRunner(services, per_second=1000).tick(bot)
    assert bot.sent == []
    assert outcomes["dropped"] >= 5


async def test_crash_between_claim_and_send_loses_nothing_and_sends_once(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded()
    await runner.plan()
    clock.set(ny(2, 9, 0))
    bot.fail_before.append(Crash("the process dies after the claim, before the HTTP call"))
    await runner.tick(bot)
    assert bot.sent == []
    assert await status_of(services.store, NudgeKind.SESSION) == ("sending", None)
    clock.set(ny(2, 9, 3))
    restarted = NudgeRunner(services, per_second=1000)
    assert (await restarted.recover())["retry"] == 1
    await restarted.tick(bot)
    await restarted.tick(bot)
    assert len(bot.to(CHAT)) == 1
    assert await status_of(services.store, NudgeKind.SESSION) == ("sent", None)


async def test_crash_after_telegram_accepted_repeats_at_most_once(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    """The documented residual window: accepted by Telegram, not yet marked sent."""
    clock.set(ny(2, 0, 5))
    await onboarded()
    await runner.plan()
    clock.set(ny(2, 9, 0))
    bot.fail_after.append(Crash("dies after Telegram accepted the message"))
    await runner.tick(bot)
    for _ in range(2):  # crashes again after the retry: the slot is not sent a third time
        bot.fail_after.append(Crash("again"))
        clock.set(clock.now() + SLOT_LEASE)  # the dead sender's lease runs out first
        restarted = NudgeRunner(services, per_second=1000)
        await restarted.recover()
        await restarted.tick(bot)
    assert len(bot.to(CHAT)) == 2
    assert await status_of(services.store, NudgeKind.SESSION) == ("dropped", "unclear")


async def test_crash_after_the_grace_period_is_not_retried(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded()
    await runner.plan()
    clock.set(ny(2, 9, 0))
    bot.fail_before.append(Crash("dies"))
    await runner.tick(bot)
    clock.set(ny(2, 11, 30))
    restarted = NudgeRunner(services, per_second=1000)
    assert (await restarted.recover())["dropped"] == 1
    await restarted.tick(bot)
    assert bot.sent == []


async def test_two_due_at_once_then_the_daily_cap(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    """Sunday 10:00: session and check-in at once; the summary and follow-up are capped."""
    clock.set(ny(8, 0, 5))
    baseline = checkin(ny(22, 12, month=2))
    await onboarded(training_days=[6], preferred_time="10:00", records=[baseline])
    await runner.plan()
    for hour in (10, 18, 19):
        clock.set(ny(8, hour))
        await runner.tick(bot)
    assert [m.buttons for m in bot.to(CHAT)] == [["m:cmd:today"], ["m:cmd:checkin"]]
    assert await status_of(services.store, NudgeKind.SUMMARY) == ("dropped", "daily_cap")
    assert await status_of(services.store, NudgeKind.FOLLOWUP) == ("dropped", "daily_cap")


async def test_weekly_summary_comes_with_the_chart(
    runner: NudgeRunner,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(8, 0, 5))
    await onboarded(training_days=[0, 2], records=[session(dt.date(2026, 3, 4), minutes=30)])
    clock.set(ny(8, 18, 0))
    await runner.tick(bot)
    photo, text = bot.to(CHAT)
    assert (photo.kind, text.kind) == ("photo", "text")
    assert text.text is not None and "1 of 2 sessions, 30 of" in text.text
    assert text.buttons == ["m:cmd:plan"]


async def test_pause_holds_nudges(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded()
    await runner.plan()
    clock.set(ny(2, 7, 0))
    await update_patient(
        services.store, CHAT, clock.now(), journey="paused", paused_until=dt.date(2026, 3, 5)
    )
    clock.set(ny(2, 9, 0))
    await runner.tick(bot)
    assert bot.sent == []
    assert await status_of(services.store, NudgeKind.SESSION) == ("held", "paused")


async def test_quiet_hours_move_an_early_reminder_to_their_end(
    runner: NudgeRunner,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded(preferred_time="07:15")
    clock.set(ny(2, 7, 15))
    await runner.tick(bot)
    assert bot.sent == []
    clock.set(ny(2, 8, 0))
    await runner.tick(bot)
    assert [m.buttons for m in bot.to(CHAT)] == [["m:cmd:today"]]


@pytest.mark.parametrize(("logged", "expected"), [(None, [["m:cmd:barrier"]]), ("done", [])])
async def test_evening_follow_up_of_a_missed_session(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
    logged: str | None,
    expected: list[list[str]],
) -> None:
    clock.set(ny(2, 10, 0))  # after the morning reminder: planned from now on
    records = [session(dt.date(2026, 3, 2), SessionStatus(logged))] if logged else []
    await onboarded(records=records)
    clock.set(ny(2, 19, 0))
    await runner.tick(bot)
    assert [m.buttons for m in bot.to(CHAT)] == expected


async def test_blocked_patient_and_timeouts(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(ny(2, 0, 5))
    await onboarded(CHAT)
    await onboarded(CHAT + 1)
    await runner.plan()
    clock.set(ny(2, 9, 0))
    bot.fail_before += [Forbidden("bot was blocked by the user"), TimedOut()]
    await runner.tick(bot)
    assert bot.sent == []
    assert await status_of(services.store, NudgeKind.SESSION, CHAT) == ("dropped", "blocked")
    assert await status_of(services.store, NudgeKind.SESSION, CHAT + 1) == ("planned", "unclear")
    bot.fail_before.append(TimedOut())
    await runner.tick(bot)  # the one retry: still unclear, so it is dropped, never a third try
    assert await status_of(services.store, NudgeKind.SESSION, CHAT + 1) == ("dropped", "unclear")
    await runner.tick(bot)
    assert bot.sent == []


async def test_supervisors_get_one_weekly_digest_with_codes_only(
    runner: NudgeRunner,
    services: Services,
    clock: MovableClock,
    bot: FakeBot,
    onboarded: NewPatient,
) -> None:
    clock.set(dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC))  # Monday, digest at 09:00 UTC
    patient = await onboarded(CHAT, display_name="Ana García")
    await runner.tick(bot)
    assert [m.chat_id for m in bot.sent] == []
    clock.set(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC))
    await runner.tick(bot)
    await runner.tick(bot)
    digests = [m for m in bot.sent if m.chat_id in SUPERVISORS]
    assert sorted(m.chat_id for m in digests) == sorted(SUPERVISORS)
    text = digests[0].text or ""
    assert patient.patient.code in text  # no sessions in the last 7 days
    assert "Ana" not in text and str(CHAT) not in text


async def test_stopping_mid_fan_out_gives_claims_back(
    services: Services, clock: MovableClock, bot: FakeBot, onboarded: NewPatient
) -> None:
    clock.set(ny(2, 0, 5))
    for offset in range(6):
        await onboarded(CHAT + offset)
    runner = NudgeRunner(services, per_second=1000, in_flight=1)
    await runner.plan()
    clock.set(ny(2, 9, 0))
    outcomes = await runner.drain(bot, keep_going=lambda: len(bot.sent) < 2)
    assert len(bot.sent) == 2
    assert outcomes["released"] == 4
    statuses = [
        (await status_of(services.store, NudgeKind.SESSION, CHAT + offset))[0]
        for offset in range(6)
    ]
    assert sorted(statuses) == ["planned"] * 4 + ["sent"] * 2
    await runner.drain(bot)  # the next tick sends the rest, each once
    assert sorted(m.chat_id for m in bot.sent) == [CHAT + offset for offset in range(6)]
