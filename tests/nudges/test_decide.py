"""At the due time: send, wait, or never — against the state as it is then."""

from __future__ import annotations

import datetime as dt

import pytest

from dialogs.nudges import (
    DayLoad,
    Defer,
    NudgeKind,
    Send,
    Skip,
    Slot,
    SlotStatus,
    VariantLine,
    decide,
    plan,
)
from dialogs.records import Conversation, SessionStatus
from dialogs.screens import Screen
from tests.nudges.helpers import at, checkin, content, local, make_state, session

NY = "America/New_York"
MONDAY = dt.date(2026, 3, 2)
SUNDAY = dt.date(2026, 3, 8)
HOUR = dt.timedelta(hours=1)


def planned(state_overrides: dict[str, object], kind: NudgeKind, day: dt.date = MONDAY) -> Slot:
    state = make_state(**state_overrides)  # type: ignore[arg-type]
    slots = plan(at(state, local(NY, day.year, day.month, day.day, 0, 5)), content())
    return next(s for s in slots if s.kind is kind and s.day == day)


def decide_at(
    slot: Slot, now: dt.datetime, load: DayLoad | None = None, **state: object
) -> object:
    return decide(slot, make_state(now=now, **state), content(), load or DayLoad())  # type: ignore[arg-type]


def rendered(screen: Screen) -> str:
    return screen.render_text(content().texts, "en")


MONDAY_ONLY = {"training_days": [0]}


def test_session_reminder_at_its_time() -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.SESSION)
    decision = decide_at(slot, slot.due_at, **MONDAY_ONLY)
    assert isinstance(decision, Send)
    line = decision.screen.lines[0]
    assert isinstance(line, VariantLine) and line.variant == slot.variant
    expected = content().texts.variant(
        "en",
        "nudge.session.text",
        slot.variant,
        modality="Aerobic exercise",
        minutes=line.params["minutes"],
    )
    assert rendered(decision.screen) == expected
    assert [[c.data for c in row] for row in decision.screen.choices] == [["m:cmd:today"]]
    assert not decision.screen.urgent


@pytest.mark.parametrize(
    ("late", "expected"),
    [(dt.timedelta(minutes=119), "send"), (dt.timedelta(minutes=121), "stale")],
)
def test_restart_inside_and_after_the_grace_period(late: dt.timedelta, expected: str) -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.SESSION)
    decision = decide_at(slot, slot.due_at + late, **MONDAY_ONLY)
    if expected == "send":
        assert isinstance(decision, Send)
    else:
        assert decision == Skip(SlotStatus.DROPPED, "stale")


def test_back_up_inside_quiet_hours_drops_the_evening_nudge() -> None:
    state = {"training_days": [0], "preferred_time": "20:30"}
    slot = planned(state, NudgeKind.SESSION)
    decision = decide_at(slot, local(NY, 2026, 3, 2, 21, 10), **state)
    assert decision == Skip(SlotStatus.DROPPED, "quiet_hours")


def test_quiet_hours_changed_after_planning_hold_until_their_end() -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.SESSION)  # due 09:00
    decision = decide_at(slot, slot.due_at, training_days=[0], quiet_end="10:00")
    assert decision == Defer(local(NY, 2026, 3, 2, 10, 0), "moved")


def test_pause_holds_until_the_day_it_ends() -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.SESSION)
    paused = {"training_days": [0], "journey": "paused"}
    assert decide_at(slot, slot.due_at, paused_until=MONDAY + dt.timedelta(days=3), **paused) == (
        Skip(SlotStatus.HELD, "paused")
    )
    assert decide_at(slot, slot.due_at, paused_until=None, **paused) == Skip(
        SlotStatus.HELD, "paused"
    )
    assert isinstance(decide_at(slot, slot.due_at, paused_until=MONDAY, **paused), Send)


def test_a_session_logged_early_needs_no_reminder() -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.SESSION)
    decision = decide_at(slot, slot.due_at, sessions=[session(MONDAY)], **MONDAY_ONLY)
    assert decision == Skip(SlotStatus.DROPPED, "not_needed")


def test_a_later_preferred_time_moves_the_reminder() -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.SESSION)
    decision = decide_at(slot, slot.due_at, training_days=[0], preferred_time="17:15")
    assert decision == Defer(local(NY, 2026, 3, 2, 17, 15), "moved")


def test_a_day_no_longer_planned_gets_nothing() -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.SESSION)
    decision = decide_at(slot, slot.due_at, training_days=[1])
    assert decision == Skip(SlotStatus.DROPPED, "not_needed")


@pytest.mark.parametrize(
    ("logged", "sent"),
    [
        (None, True),
        (SessionStatus.DONE, False),
        (SessionStatus.PARTIAL, False),
        (SessionStatus.SKIPPED, False),
        (SessionStatus.MISSED, True),
    ],
)
def test_follow_up_of_a_missed_session_opens_the_barrier_talk(
    logged: SessionStatus | None, sent: bool
) -> None:
    slot = planned(MONDAY_ONLY, NudgeKind.FOLLOWUP)
    sessions = [] if logged is None else [session(MONDAY, logged)]
    decision = decide_at(slot, slot.due_at, sessions=sessions, **MONDAY_ONLY)
    if not sent:
        assert decision == Skip(SlotStatus.DROPPED, "not_needed")
        return
    assert isinstance(decision, Send)
    assert decision.screen.keys == ["nudge.followup.text"]
    assert [[c.data for c in row] for row in decision.screen.choices] == [["m:cmd:barrier"]]


def test_check_in_reminders_stop_once_it_is_done() -> None:
    baseline = checkin(local(NY, 2026, 2, 16, 12))
    state = {"training_days": [], "checkins": [baseline]}
    again = planned(state, NudgeKind.CHECKIN_AGAIN, MONDAY + dt.timedelta(days=1))
    decision = decide_at(again, again.due_at, **state)
    assert isinstance(decision, Send)
    assert decision.screen.keys == ["nudge.checkin.again"]
    assert [[c.data for c in row] for row in decision.screen.choices] == [["m:cmd:checkin"]]
    done = checkin(local(NY, 2026, 3, 2, 20), total=9)
    decision = decide_at(again, again.due_at, training_days=[], checkins=[baseline, done])
    assert decision == Skip(SlotStatus.DROPPED, "not_needed")


def test_no_check_in_reminder_while_answering_it() -> None:
    baseline = checkin(local(NY, 2026, 2, 16, 12))
    state = {"training_days": [], "checkins": [baseline]}
    slot = planned(state, NudgeKind.CHECKIN)
    answering = Conversation(flow="checkin", state="asking")
    decision = decide_at(slot, slot.due_at, conversation=answering, **state)
    assert decision == Skip(SlotStatus.DROPPED, "not_needed")


class TestDailyCap:
    """At most two a day; a slot yields to higher-priority slots still to come that day.

    A Sunday with four candidates: session 09:00 (rank 0), check-in 10:00 (rank 1), summary
    18:00 (rank 4) and the follow-up 19:00 (rank 3) if the session is not logged.
    """

    def state(self, *logged: SessionStatus, with_checkin: bool = True) -> dict[str, object]:
        checkins = [checkin(local(NY, 2026, 2, 22, 12))] if with_checkin else []
        return {
            "training_days": [6],
            "checkins": checkins,
            "sessions": [session(SUNDAY, status) for status in logged],
        }

    def slots(self, with_checkin: bool = True) -> dict[NudgeKind, Slot]:
        state = make_state(**self.state(with_checkin=with_checkin))  # type: ignore[arg-type]
        slots = plan(at(state, local(NY, 2026, 3, 8, 0, 5)), content())
        return {s.kind: s for s in slots if s.day == SUNDAY}

    def test_the_day_has_four_candidates(self) -> None:
        assert list(self.slots()) == [
            NudgeKind.SESSION,
            NudgeKind.CHECKIN,
            NudgeKind.FOLLOWUP,
            NudgeKind.SUMMARY,
        ]

    def test_second_goes_third_does_not(self) -> None:
        slots = self.slots()
        pending = (slots[NudgeKind.FOLLOWUP], slots[NudgeKind.SUMMARY])
        check = slots[NudgeKind.CHECKIN]
        decision = decide_at(check, check.due_at, DayLoad(1, pending), **self.state())
        assert isinstance(decision, Send)
        summary = slots[NudgeKind.SUMMARY]
        decision = decide_at(summary, summary.due_at, DayLoad(2, pending[:1]), **self.state())
        assert decision == Skip(SlotStatus.DROPPED, "daily_cap")

    def test_a_lower_priority_slot_yields_to_one_still_to_come(self) -> None:
        slots = self.slots(with_checkin=False)
        summary, followup = slots[NudgeKind.SUMMARY], slots[NudgeKind.FOLLOWUP]
        load = DayLoad(sent=1, pending=(followup,))  # the session reminder went this morning
        state = self.state(with_checkin=False)
        assert decide_at(summary, summary.due_at, load, **state) == Skip(
            SlotStatus.DROPPED, "daily_cap"
        )

    def test_a_pending_slot_no_longer_needed_does_not_count(self) -> None:
        slots = self.slots(with_checkin=False)
        summary, followup = slots[NudgeKind.SUMMARY], slots[NudgeKind.FOLLOWUP]
        load = DayLoad(sent=1, pending=(followup,))
        # The session was logged: no follow-up will come, so the summary may go.
        state = self.state(SessionStatus.DONE, with_checkin=False)
        assert isinstance(decide_at(summary, summary.due_at, load, **state), Send)


def test_weekly_summary_has_the_chart_and_the_week() -> None:
    state = {"training_days": [0, 2, 4], "sessions": [session(dt.date(2026, 3, 4), minutes=25)]}
    slot = planned(state, NudgeKind.SUMMARY, SUNDAY)
    decision = decide_at(slot, slot.due_at, **state)
    assert isinstance(decision, Send)
    screen = decision.screen
    assert screen.keys[:2] == ["nudge.summary.text", "progress_week.other"]
    assert screen.chart is not None
    assert "1 of 3 sessions, 25 of" in rendered(screen)
    assert [[c.data for c in row] for row in screen.choices] == [["m:cmd:plan"]]


def test_consecutive_days_read_differently() -> None:
    state = make_state(training_days=[0, 1])
    first = plan(at(state, local(NY, 2026, 3, 2, 0, 5)), content())
    monday, tuesday = (s for s in first if s.kind is NudgeKind.SESSION)
    texts = []
    for slot in (monday, tuesday):
        decision = decide(slot, at(state, slot.due_at), content(), DayLoad())
        assert isinstance(decision, Send)
        texts.append(rendered(decision.screen))
    assert texts[0] != texts[1]
