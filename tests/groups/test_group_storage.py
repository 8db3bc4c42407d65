"""The groups mixin of `Transaction`: groups, memberships, minutes, waiting sessions, moves."""

from __future__ import annotations

import datetime as dt

from bot.storage import Store
from dialogs.records import MoodRecord, SessionRecord, SessionStatus
from dialogs.state import Outcome
from tests.groups.conftest import MADRID, MONDAY_9_MADRID, NewPatient

NOW = MONDAY_9_MADRID
MONDAY = dt.date(2026, 11, 30)
SUNDAY = dt.date(2026, 12, 6)
CHAT = -5001


async def register(store: Store, chat_id: int = CHAT, title: str | None = "Walkers") -> int:
    async with store.transaction() as tx:
        group = await tx.register_group(
            chat_id, title=title, language="en", timezone=MADRID, now=NOW
        )
    return group.id


async def add_sessions(store: Store, telegram_id: int, *records: SessionRecord) -> int:
    async with store.transaction() as tx:
        state = await tx.load_patient(telegram_id, NOW)
        assert state is not None
        outcome = Outcome()
        outcome.store(*records)
        await tx.save(state, outcome, NOW)
        return await tx.queue_group_activity(state.patient.id, outcome.records, NOW)


def session(
    day: dt.date, minutes: int, status: SessionStatus = SessionStatus.DONE
) -> SessionRecord:
    return SessionRecord(
        day=day, status=status, planned=False, modality="aerobic", minutes=minutes
    )


async def test_registering_creates_once_refreshes_and_reactivates(store: Store) -> None:
    first = await register(store)
    assert await register(store, title="Morning walkers") == first
    async with store.transaction() as tx:
        assert await tx.deactivate_group(CHAT)
        assert not await tx.deactivate_group(CHAT)
        assert await tx.active_groups() == []
    await register(store, title=None)
    async with store.transaction() as tx:
        group = await tx.group_for_chat(CHAT)
    assert group is not None and group.active and group.title == "Morning walkers"
    assert group.goal_minutes is None and group.created_at == NOW


async def test_a_saved_group_keeps_its_goal_and_schedule(store: Store) -> None:
    await register(store)
    async with store.transaction() as tx:
        group = await tx.group_for_chat(CHAT)
        assert group is not None
        group.goal_minutes, group.kickoff_week, group.goal_week = 600, MONDAY, MONDAY
        group.last_celebration_at = NOW
        await tx.save_group(group)
    async with store.transaction() as tx:
        assert await tx.group_for_chat(CHAT) == group


async def test_join_and_leave(store: Store, new_patient: NewPatient) -> None:
    group_id = await register(store)
    ana = await new_patient(1, share=True)
    async with store.transaction() as tx:
        assert await tx.join_group(group_id, ana, "Ana", NOW)
        assert not await tx.join_group(group_id, ana, "Ana B.", NOW)
    async with store.transaction() as tx:
        (only,) = await tx.group_members(group_id, MONDAY, SUNDAY)
        assert only.display_name == "Ana B." and only.shown_name == "Ana B."
        assert await tx.leave_group(group_id, 1)
        assert not await tx.leave_group(group_id, 1)
        assert not await tx.leave_group(group_id, 999)  # not a patient at all
        assert await tx.group_members(group_id, MONDAY, SUNDAY) == []


async def test_members_carry_the_weeks_minutes_and_nothing_clinical(
    store: Store, new_patient: NewPatient
) -> None:
    group_id = await register(store)
    ana = await new_patient(1, share=True, cheer=True, phase=2)
    ben = await new_patient(2)
    async with store.transaction() as tx:
        await tx.join_group(group_id, ana, "Ana", NOW)
        await tx.join_group(group_id, ben, "Ben", NOW)
    await add_sessions(
        store,
        1,
        session(MONDAY, 30),
        session(SUNDAY, 15, SessionStatus.PARTIAL),
        session(MONDAY - dt.timedelta(days=1), 60),  # last week
        session(MONDAY, 0, SessionStatus.SKIPPED),
    )
    async with store.transaction() as tx:
        members = await tx.group_members(group_id, MONDAY, SUNDAY)
        only_ben = await tx.group_members(group_id, MONDAY, SUNDAY, only=[ben])
    assert [(m.patient_id, m.minutes) for m in members] == [(ana, 45), (ben, 0)]
    assert members[0].share_name and members[0].celebrate and members[0].phase_id == 2
    assert [m.patient_id for m in only_ben] == [ben]
    assert set(vars(members[0])) == {
        "patient_id",
        "display_name",
        "share_name",
        "celebrate",
        "phase_id",
        "minutes",
    }


async def test_logged_sessions_wait_for_a_cheer_in_each_active_group(
    store: Store, new_patient: NewPatient
) -> None:
    walkers, runners, quiet = [await register(store, chat) for chat in (-1, -2, -3)]
    ana = await new_patient(1)
    ben = await new_patient(2)
    async with store.transaction() as tx:
        for group_id in (walkers, runners, quiet):
            await tx.join_group(group_id, ana, None, NOW)
        await tx.join_group(walkers, ben, None, NOW)
        await tx.deactivate_group(-3)
    assert await add_sessions(store, 1, session(MONDAY, 20)) == 2
    assert await add_sessions(store, 2, session(MONDAY, 0, SessionStatus.SKIPPED)) == 0
    assert await add_sessions(store, 2, session(MONDAY, 10)) == 1
    assert await add_sessions(store, 1, session(MONDAY, 5, SessionStatus.PARTIAL)) == 2
    async with store.transaction() as tx:
        assert await tx.queue_group_activity(ana, [MoodRecord(at=NOW, score=2)], NOW) == 0
        assert await tx.groups_with_activity() == [walkers, runners]
        assert await tx.take_activity(walkers) == [ana, ben]
        assert await tx.take_activity(walkers) == []
        assert await tx.groups_with_activity() == [runners]


async def test_a_group_moves_to_its_supergroup_id(store: Store, new_patient: NewPatient) -> None:
    group_id = await register(store)
    ana = await new_patient(1)
    async with store.transaction() as tx:
        await tx.join_group(group_id, ana, "Ana", NOW)
        moved = await tx.move_group(CHAT, -1009)
        again = await tx.move_group(CHAT, -1009)  # the second notice changes nothing
        assert await tx.move_group(-42, -43) is None
    assert moved is not None and moved.id == group_id and moved.chat_id == -1009
    assert again is not None and again.id == group_id
    async with store.transaction() as tx:
        assert await tx.group_for_chat(CHAT) is None
        assert len(await tx.group_members(group_id, MONDAY, SUNDAY)) == 1


async def test_a_move_onto_an_existing_supergroup_merges_the_boards(
    store: Store, new_patient: NewPatient
) -> None:
    old = await register(store, CHAT)
    new = await register(store, -1009)
    ana, ben = await new_patient(1), await new_patient(2)
    async with store.transaction() as tx:
        await tx.join_group(old, ana, None, NOW)
        await tx.join_group(old, ben, None, NOW)
        await tx.join_group(new, ben, None, NOW)
        group = await tx.group_for_chat(CHAT)
        assert group is not None
        group.goal_minutes = 300
        await tx.save_group(group)
    await add_sessions(store, 1, session(MONDAY, 20))
    async with store.transaction() as tx:
        merged = await tx.move_group(CHAT, -1009)
    assert merged is not None and merged.id == new and merged.goal_minutes == 300
    async with store.transaction() as tx:
        members = await tx.group_members(new, MONDAY, SUNDAY)
        assert sorted(m.patient_id for m in members) == [ana, ben]
        assert await tx.group_for_chat(CHAT) is None
        assert await tx.take_activity(new) == [ana]
