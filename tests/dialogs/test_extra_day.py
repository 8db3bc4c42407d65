"""The add-a-day question: asked first on /today or /plan, at most once a week."""

from __future__ import annotations

import datetime as dt

from factories import at_local, button_values, command, keys, last, make_state, params, press

from content.clinical.weekly_plan import best_extra_day
from dialogs.records import AuditEvent
from dialogs.state import Outcome
from state_machines.journey import JourneyState

MONDAY = dt.date(2026, 11, 30)


def _audits(outcome: Outcome, action: str) -> list[AuditEvent]:
    return [r for r in outcome.records if isinstance(r, AuditEvent) and r.action == action]


def test_two_days_in_phase_one_asks_first_and_says_what_the_minimum_is_for() -> None:
    state = make_state(training_days=[0, 3])
    outcome = command(state, "today")
    assert keys(outcome) == ["plan.extra_day"]
    assert params(outcome, "plan.extra_day")["chosen"] == 2
    assert params(outcome, "plan.extra_day")["minimum"] == 3
    assert params(outcome, "plan.extra_day")["weekly"] == 150
    assert button_values(last(outcome)) == ["add", "keep"]
    assert state.conversation.flow == "extra_day"
    assert state.profile.extra_day_week == dt.date(2026, 11, 23)


def test_adding_a_day_picks_the_day_that_spreads_the_week_then_shows_today() -> None:
    state = make_state(training_days=[0, 3])
    command(state, "today")
    outcome = press(state, "add")
    # Saturday is two days from Thursday and from Monday: the widest rest either side.
    assert state.profile.training_days == [0, 3, 5]
    assert params(outcome, "extra_day.added")["day"] == "Saturday"
    assert _audits(outcome, "plan.extra_day")[0].details == {"answer": "add", "day": 5}
    # Wednesday is not a training day: /today carries on with the rest day.
    assert "today.rest_day" in keys(outcome)
    assert state.conversation.flow == "idle"


def test_adding_a_day_on_a_training_day_offers_the_session() -> None:
    state = make_state(training_days=[0, 2], now=at_local(dt.date(2026, 11, 25)))
    command(state, "today")
    outcome = press(state, "add")
    assert "extra_day.added" in keys(outcome)
    assert "today.heading" in keys(outcome)
    assert state.conversation.flow == "session"


def test_keeping_the_days_is_recorded_and_not_asked_again_that_week() -> None:
    state = make_state(training_days=[0, 3])
    command(state, "plan")
    outcome = press(state, "keep")
    assert state.profile.training_days == [0, 3]
    assert keys(outcome)[0] == "extra_day.kept"
    assert "plan.heading" in keys(outcome)  # then the plan the patient asked for
    assert _audits(outcome, "plan.extra_day")[0].details == {"answer": "keep"}
    for name in ("today", "plan"):
        assert "plan.extra_day" not in keys(command(state, name))
    # Next week it is due again, once.
    state.now = at_local(MONDAY)
    state.conversation.flow = "idle"
    assert keys(command(state, "today")) == ["plan.extra_day"]
    assert state.profile.extra_day_week == MONDAY


def test_enough_days_or_a_pause_never_asks() -> None:
    assert "plan.extra_day" not in keys(command(make_state(), "today"))
    paused = make_state(training_days=[0, 3], journey=JourneyState.PAUSED)
    assert "plan.extra_day" not in keys(command(paused, "today"))
    assert paused.profile.extra_day_week is None


def test_phase_three_needs_four_sessions_from_three_days() -> None:
    state = make_state(phase_id=3, started_days_ago=40)
    state.profile.phase_started = state.today - dt.timedelta(days=10)
    outcome = command(state, "plan")
    assert params(outcome, "plan.extra_day")["minimum"] == 4
    press(state, "add")
    assert len(state.profile.training_days) == 4


def test_a_stale_answer_changes_nothing() -> None:
    state = make_state(training_days=[0, 3])
    asked = last(command(state, "today"))
    press(state, "keep", asked)
    outcome = press(state, "add", asked)
    assert state.profile.training_days == [0, 3]
    assert "extra_day.added" not in keys(outcome)


def test_best_extra_day_spreads_the_week() -> None:
    assert best_extra_day([0, 2, 4]) == 5  # Saturday: one day after Friday, two before Monday
    assert best_extra_day([0, 3]) == 5
    assert best_extra_day([]) == 0
    assert best_extra_day(range(7)) is None
    assert best_extra_day([0, 1, 2, 3, 4, 5]) == 6
