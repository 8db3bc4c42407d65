"""The barrier plan's "How did it go?" nudge: at the plan's time, under the nudge rules."""

from __future__ import annotations

import datetime as dt

from bot.nudges.runner import NudgeRunner
from bot.storage import Store
from dialogs.nudges import DayLoad, NudgeKind, Send, Skip, SlotStatus, decide, plan
from dialogs.records import BarrierPlan, SessionRecord, SessionStatus
from dialogs.state import Outcome, PatientState
from tests.nudges.conftest import FakeBot, MovableClock, NewPatient, slots_of
from tests.nudges.helpers import at, content, local, make_state

NY = "America/New_York"
CHAT = 1001
TUESDAY = dt.date(2026, 3, 3)


def ny(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return local(NY, 2026, 3, day, hour, minute)


def with_plan(when: str, made: dt.datetime, **overrides: object) -> PatientState:
    # Training on Mondays only: no session nudges on Tuesday to share the daily cap with.
    state = make_state(now=made, training_days=[0], **overrides)  # type: ignore[arg-type]
    state.barrier_plan = BarrierPlan("time", "time_access", "walk_10", when, made)
    return state


def follow_ups(state: PatientState) -> list[object]:
    return [s for s in plan(state, content()) if s.kind is NudgeKind.BARRIER_FOLLOWUP]


def test_this_evening_is_asked_at_half_past_eight_with_three_answers() -> None:
    state = with_plan("this_evening", ny(3, 15))
    (slot,) = follow_ups(state)
    assert slot.due_at == ny(3, 20, 30)  # type: ignore[attr-defined]
    decision = decide(slot, at(state, ny(3, 20, 30)), content(), DayLoad())  # type: ignore[arg-type]
    assert isinstance(decision, Send)
    line = decision.screen.lines[0]
    assert line.key == "nudge.barrier_followup.text"
    assert line.params == {"what": "A 10-minute walk"}
    buttons = [c.data for row in decision.screen.choices for c in row]
    assert buttons == ["m:bfu:done", "m:bfu:not_yet", "m:bfu:change"]


def test_next_hour_is_two_hours_later_and_tomorrow_morning_at_noon() -> None:
    (soon,) = follow_ups(with_plan("next_hour", ny(3, 14)))
    assert soon.due_at == ny(3, 16)  # type: ignore[attr-defined]
    (tomorrow,) = follow_ups(with_plan("tomorrow_morning", ny(3, 14)))
    assert tomorrow.due_at == ny(4, 12)  # type: ignore[attr-defined]


def test_no_plan_no_follow_up_and_a_logged_session_settles_it() -> None:
    assert follow_ups(make_state(now=ny(3, 15))) == []
    state = with_plan("this_evening", ny(3, 15))
    (slot,) = follow_ups(state)
    walked = SessionRecord(
        day=TUESDAY, status=SessionStatus.DONE, planned=False, minutes=10, logged_at=ny(3, 18)
    )
    state.sessions.append(walked)
    decision = decide(slot, at(state, ny(3, 20, 30)), content(), DayLoad())  # type: ignore[arg-type]
    assert decision == Skip(SlotStatus.DROPPED, "not_needed")


def test_quiet_hours_hold_it_and_drop_it_past_the_grace_period() -> None:
    # Quiet from 20:00: 20:30 waits for 08:00, more than the two-hour grace: dropped.
    state = with_plan("this_evening", ny(3, 15), quiet_start="20:00")
    (slot,) = follow_ups(state)
    assert (slot.status, slot.reason) == (SlotStatus.DROPPED, "quiet_hours")  # type: ignore[attr-defined]
    # Quiet until 12:30: tomorrow's noon question comes at 12:30, inside the grace period.
    state = with_plan("tomorrow_morning", ny(3, 15), quiet_end="12:30")
    (slot,) = follow_ups(state)
    assert slot.due_at == ny(4, 12, 30)  # type: ignore[attr-defined]


async def test_a_plan_made_in_the_afternoon_gets_its_follow_up_the_same_evening(
    runner: NudgeRunner, store: Store, clock: MovableClock, bot: FakeBot, onboarded: NewPatient
) -> None:
    clock.set(ny(3, 0, 5))  # a Tuesday: no session that day
    await onboarded(CHAT)
    await runner.tick(bot)  # the day is planned at midnight, before any barrier plan
    clock.set(ny(3, 15))
    async with store.transaction() as tx:
        state = await tx.load_patient(CHAT, clock.now())
        assert state is not None and state.barrier_plan is None
        made = BarrierPlan("time", "time_access", "walk_10", "this_evening", clock.now())
        await tx.save(state, Outcome(records=[made]), clock.now())
    async with store.transaction() as tx:
        loaded = await tx.load_patient(CHAT, clock.now())
        assert loaded is not None and loaded.barrier_plan == made
    await runner.tick(bot)  # re-planned: the plan's follow-up has a slot now
    kinds = {s.slot.kind for s in await slots_of(store, CHAT)}
    assert NudgeKind.BARRIER_FOLLOWUP in kinds
    clock.set(ny(3, 20, 30))
    await runner.tick(bot)
    (message,) = bot.to(CHAT)
    assert message.buttons == ["m:bfu:done", "m:bfu:not_yet", "m:bfu:change"]
