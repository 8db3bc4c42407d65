"""The group runner and group posting against a real store and a recording bot.

Also the pipeline hook: a session logged in private is noted for the member's groups in the
same transaction, and the runner is woken after the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import ChatMigrated, Forbidden

from bot.config import load_settings
from bot.groups.posting import post
from bot.groups.runner import GroupRunner
from bot.pipeline import Sender
from bot.services import Services
from bot.storage import Store
from dialogs import group as dialog
from dialogs.events import Command, Press
from dialogs.records import SessionRecord, SessionStatus
from dialogs.state import Outcome
from tests.groups.conftest import MADRID, MONDAY_9_MADRID, NewPatient

CHAT = -7001
FRIDAY = MONDAY_9_MADRID - dt.timedelta(days=3)
TUESDAY = MONDAY_9_MADRID + dt.timedelta(days=1)  # no kick-off in the way


@dataclass
class Clock:
    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at


@dataclass
class FakeBot:
    """Records sends; a chat can be marked migrated (ChatMigrated) or closed (403)."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    migrated: dict[int, int] = field(default_factory=dict)
    closed: set[int] = field(default_factory=set)

    async def send_message(self, chat_id: int, text: str, **kwargs: Any) -> SimpleNamespace:
        if chat_id in self.migrated:
            raise ChatMigrated(self.migrated[chat_id])
        if chat_id in self.closed:
            raise Forbidden("Forbidden: bot was kicked from the group chat")
        self.sent.append((chat_id, text))
        return SimpleNamespace(message_id=len(self.sent), chat_id=chat_id, text=text)

    def texts(self) -> list[str]:
        return [text for _, text in self.sent]


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY)


@pytest.fixture
def services(store: Store, clock: Clock) -> Services:
    settings = load_settings({"DEFAULT_TIMEZONE": MADRID})
    return Services.build(settings, clock, store=store)


@pytest.fixture
def bot() -> FakeBot:
    return FakeBot()


@pytest.fixture
def runner(bot: FakeBot, services: Services) -> GroupRunner:
    return GroupRunner(bot, services)  # type: ignore[arg-type]


async def make_group(services: Services, *members: int, goal: int | None = None) -> int:
    async with services.store.transaction() as tx:
        group = await tx.register_group(
            CHAT, title="Walkers", language="en", timezone=MADRID, now=FRIDAY
        )
        group.goal_minutes = goal
        await tx.save_group(group)
        for index, patient_id in enumerate(members):
            await tx.join_group(group.id, patient_id, ["Ana", "Ben", "Cy"][index], FRIDAY)
    return group.id


async def log(services: Services, telegram_id: int, minutes: int) -> None:
    now = services.clock.now()
    async with services.store.transaction() as tx:
        state = await tx.load_patient(telegram_id, now)
        assert state is not None
        outcome = Outcome()
        day = now.date()
        outcome.store(
            SessionRecord(day=day, status=SessionStatus.DONE, planned=False, minutes=minutes)
        )
        await tx.save(state, outcome, now)
        await tx.queue_group_activity(state.patient.id, outcome.records, now)


async def test_the_kickoff_goes_out_on_monday_at_nine_once(
    runner: GroupRunner, bot: FakeBot, services: Services, clock: Clock, new_patient: NewPatient
) -> None:
    await make_group(services, await new_patient(1, phase=1), await new_patient(2, phase=2))
    clock.at = MONDAY_9_MADRID - dt.timedelta(minutes=1)
    assert await runner.tick() == []
    clock.at = MONDAY_9_MADRID
    await runner.tick()
    clock.at += dt.timedelta(minutes=1)
    await runner.tick()
    assert bot.sent == [
        (CHAT, "New week, fresh start. Our group goal: 150 minutes. Any movement counts.")
    ]


async def test_celebrations_are_batched_ten_minutes_apart(
    runner: GroupRunner, bot: FakeBot, services: Services, clock: Clock, new_patient: NewPatient
) -> None:
    ana = await new_patient(1, share=True, cheer=True)
    ben = await new_patient(2, cheer=True)
    cy = await new_patient(3, share=True, cheer=True)
    await make_group(services, ana, ben, cy, goal=1000)
    clock.at = TUESDAY
    await log(services, 1, 20)
    await runner.tick()
    assert bot.texts() == ["Ana got moving today. Well done!"]
    for telegram_id, minutes in ((2, 25), (3, 30), (1, 10)):
        clock.at += dt.timedelta(minutes=3)
        await log(services, telegram_id, minutes)
        await runner.tick()
    assert len(bot.sent) == 1  # nine minutes after the first cheer: still waiting
    clock.at += dt.timedelta(minutes=1)
    await runner.tick()
    assert bot.texts()[1:] == ["Ana, Cy, and a member got moving today. Well done!"]
    await runner.tick()
    assert len(bot.sent) == 2


async def test_the_goal_is_celebrated_once_a_week(
    runner: GroupRunner, bot: FakeBot, services: Services, clock: Clock, new_patient: NewPatient
) -> None:
    await make_group(services, await new_patient(1), await new_patient(2), goal=40)
    clock.at = TUESDAY
    await log(services, 1, 30)
    await runner.tick()
    assert bot.sent == []  # nobody turned cheers on, and 30 < 40
    await log(services, 2, 10)
    await runner.tick()
    clock.at += dt.timedelta(hours=1)
    await log(services, 1, 30)
    await runner.tick()
    assert bot.texts() == ["We reached 40 minutes this week. Well done, everyone!"]
    clock.at += dt.timedelta(days=7)  # next week: 30 of 40, not yet
    await log(services, 1, 30)
    await runner.tick()
    await log(services, 2, 10)
    await runner.tick()
    assert len(bot.sent) == 2


async def test_an_inactive_group_gets_nothing_and_its_waiting_sessions_are_dropped(
    runner: GroupRunner, bot: FakeBot, services: Services, clock: Clock, new_patient: NewPatient
) -> None:
    await make_group(services, await new_patient(1, cheer=True), goal=10)
    clock.at = TUESDAY
    await log(services, 1, 30)
    async with services.store.transaction() as tx:
        await tx.deactivate_group(CHAT)
    await runner.tick()
    async with services.store.transaction() as tx:
        assert await tx.groups_with_activity() == []
    assert bot.sent == []


async def test_a_post_follows_a_migrated_group_and_stops_at_a_closed_one(
    bot: FakeBot, services: Services, new_patient: NewPatient
) -> None:
    group_id = await make_group(services, await new_patient(1))
    bot.migrated[CHAT] = -100777
    await post(bot, services, CHAT, [dialog.cheer(None)], "en", reply_to=5)  # type: ignore[arg-type]
    assert bot.sent == [(-100777, "Go, team! Every minute counts.")]
    async with services.store.transaction() as tx:
        moved = await tx.group_for_chat(-100777)
    assert moved is not None and moved.id == group_id
    bot.closed.add(-100777)
    sent = await post(bot, services, -100777, [dialog.cheer(None)], "en")  # type: ignore[arg-type]
    assert sent == []
    async with services.store.transaction() as tx:
        assert await tx.active_groups() == []


async def test_a_session_logged_in_private_wakes_the_runner_after_its_commit(
    services: Services, clock: Clock, new_patient: NewPatient
) -> None:
    await make_group(services, await new_patient(1, cheer=True))
    clock.at = MONDAY_9_MADRID + dt.timedelta(hours=1)
    woken: list[int] = []

    async def noted() -> list[int]:
        async with services.store.transaction() as tx:
            return await tx.groups_with_activity()

    services.pipeline.on_group_activity = lambda: woken.append(len(woken))
    sender = Sender(1, 1, "en", "Ana")
    pipeline = services.pipeline
    await pipeline.handle(sender, Command("log"), None)
    for value in ("mod_aerobic", "min30", "eff_right", "mood4"):
        async with services.store.transaction() as tx:
            state = await tx.load_patient(1, clock.at)
        assert state is not None
        await pipeline.handle(sender, Press(f"c:{state.conversation.seq}:{value}"), None)
        assert woken == [] and await noted() == []
    async with services.store.transaction() as tx:
        state = await tx.load_patient(1, clock.at)
    assert state is not None
    handled = await pipeline.handle(sender, Press(f"c:{state.conversation.seq}:mood7"), None)
    assert "log.logged" in [key for screen in handled.replies for key in screen.keys]
    assert woken == [0] and len(await noted()) == 1
