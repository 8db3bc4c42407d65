"""The barrier conversation: a script one step at a time, the short session, a tiny plan."""

from __future__ import annotations

import datetime as dt

from factories import (
    at_local,
    button_values,
    command,
    content,
    keys,
    last,
    make_state,
    params,
    press,
    run,
    session,
)

from dialogs.events import Text
from dialogs.records import BarrierPlan, SessionStatus


def test_energy_paradox_with_the_short_session_ends_in_a_plan() -> None:
    state = make_state()
    command(state, "today")
    press(state, "cant")
    outcome = press(state, "bar_low_energy")
    assert last(outcome).keys == ["barrier.energy_paradox.1"]
    press(state, "b0")
    outcome = press(state, "b0")
    offer = last(outcome)
    assert offer.keys == ["barrier.energy_paradox.3"]
    assert len(button_values(offer)) == 2  # the short one, or not today
    outcome = press(state, "b0")  # "Let's try the short one"
    minutes = content().barriers.short_session_minutes
    short = params(outcome, "barrier.short.heading")
    assert short == {"minutes": minutes, "activity": "Brisk walking"}
    assert last(outcome).keys == ["barrier.plan.when_question"]
    outcome = press(state, "when_this_evening")
    plans = [r for r in outcome.records if isinstance(r, BarrierPlan)]
    assert len(plans) == 1
    plan = plans[0]
    assert (plan.barrier, plan.script, plan.what, plan.when) == (
        "low_energy",
        "energy_paradox",
        "short_session",
        "this_evening",
    )
    assert len(outcome.replies) == 1  # the plan confirmed in one message
    assert keys(outcome) == ["barrier.plan_summary", "barrier.plan.done"]
    assert params(outcome, "barrier.plan_summary")["what"] == f"Brisk walking, {minutes} minutes"
    assert state.conversation.flow == "idle"


def test_not_today_goes_on_to_plan_what_and_when() -> None:
    state = make_state()
    command(state, "barrier")
    press(state, "bar_time")
    press(state, "b0")
    press(state, "b0")
    outcome = press(state, "b1")  # "Not today"
    assert last(outcome).keys == ["barrier.plan.what_question"]
    press(state, "what_walk_10")
    outcome = press(state, "when_tomorrow_morning")
    plan = next(r for r in outcome.records if isinstance(r, BarrierPlan))
    assert (plan.barrier, plan.script, plan.what, plan.when) == (
        "time",
        "time_access",
        "walk_10",
        "tomorrow_morning",
    )


def test_values_and_progress_are_the_patients_own() -> None:
    sessions = [session(dt.date(2026, 11, 23), minutes=15), session(dt.date(2026, 11, 25))]
    state = make_state(now=at_local(dt.date(2026, 11, 26)), sessions=sessions)
    command(state, "barrier")
    press(state, "bar_negative_thinking")
    outcome = press(state, "b0")
    progress = str(params(outcome, "barrier.negative_thinking.2")["progress"])
    assert "2 times, 35 minutes" in progress
    assert "15 minutes" in progress and "20" in progress
    assert params(outcome, "barrier.negative_thinking.2")["values"] == "Being there for my kids"


def test_no_values_named_gives_a_gentle_generic() -> None:
    state = make_state(
        values_text=None, sessions=[session(dt.date(2026, 11, 23), SessionStatus.SKIPPED)]
    )
    command(state, "barrier")
    outcome = press(state, "bar_negative_thinking")
    generic = content().texts.get("en", "barrier.values_generic")
    assert params(outcome, "barrier.negative_thinking.1")["values"] == generic


def test_free_text_in_the_barrier_talk_asks_again_with_the_buttons() -> None:
    state = make_state()
    command(state, "barrier")
    outcome = run(state, Text("everything"))
    assert "free_text.reask_buttons" in keys(outcome)
    assert "bar_low_energy" in button_values(last(outcome))


def test_a_button_of_another_step_is_refused() -> None:
    state = make_state()
    command(state, "barrier")
    outcome = press(state, "when_next_hour")
    assert "common.button_unknown" in keys(outcome)
    assert state.conversation.state == "choose"
    assert not outcome.records


def test_the_values_script_is_offered_on_the_patients_own_words() -> None:
    state = make_state(values_text="Being there for my kids")
    outcome = command(state, "barrier")
    assert "bar_lost_why" in button_values(last(outcome))
    outcome = press(state, "bar_lost_why")
    assert last(outcome).keys == ["barrier.values.1"]
    assert params(outcome, "barrier.values.1")["values"] == "Being there for my kids"
    assert last(press(state, "b0")).keys == ["barrier.values.2"]
    assert last(press(state, "b0")).keys == ["barrier.values.3"]
    assert last(press(state, "b0")).keys == ["barrier.plan.what_question"]
    press(state, "what_walk_10")
    outcome = press(state, "when_next_hour")
    plans = [r for r in outcome.records if isinstance(r, BarrierPlan)]
    assert [(p.barrier, p.script) for p in plans] == [("lost_why", "values")]


def test_without_named_values_the_values_script_is_not_offered() -> None:
    for values in (None, "   "):
        state = make_state(values_text=values)
        offered = button_values(last(command(state, "barrier")))
        assert "bar_lost_why" not in offered
        assert "bar_motivation" in offered


def test_the_plan_confirmation_promises_no_follow_up_it_may_not_keep() -> None:
    # The "How did it go?" nudge can be held by quiet hours or the daily cap: the
    # confirmation points to /log instead of promising "I will check in with you then".
    texts = content().texts
    for language, promise in (("en", "check in"), ("es", "le escribiré")):
        done = texts.get(language, content().barriers.plan_done_key)
        assert "/log" in done
        assert promise not in done
