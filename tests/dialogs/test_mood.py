"""/mood: a 0–10 rating, and after a low one the smallest next step, at most once a day."""

from __future__ import annotations

import datetime as dt

from factories import at_local, button_values, command, keys, last, make_state, press, run

from dialogs.events import Text
from dialogs.records import BarrierPlan, MoodRecord


def test_a_rating_is_stored() -> None:
    state = make_state()
    outcome = command(state, "mood")
    assert button_values(last(outcome)) == [f"mood{n}" for n in range(11)]
    outcome = press(state, "mood7")
    assert [r.score for r in outcome.records if isinstance(r, MoodRecord)] == [7]
    assert keys(outcome) == ["mood.thanks"]
    assert state.conversation.flow == "idle"


def test_a_typed_rating_out_of_range_is_asked_again() -> None:
    state = make_state()
    command(state, "mood")
    outcome = run(state, Text("12"))
    assert "today.mood_range" in keys(outcome)
    assert not outcome.records
    outcome = run(state, Text("8"))
    assert [r.score for r in outcome.records if isinstance(r, MoodRecord)] == [8]


def test_low_mood_offers_a_small_step_once_a_day() -> None:
    state = make_state()
    outcome = command(state, "mood", "2")
    assert "mood.offer" in keys(outcome)
    assert button_values(last(outcome)) == ["do", "not_now"]
    outcome = press(state, "not_now")
    assert keys(outcome) == ["mood.not_now"]

    outcome = command(state, "mood", "1")  # later the same day: no second offer
    assert "mood.offer" not in keys(outcome)
    assert "mood.thanks_low" in keys(outcome)

    state.now = at_local(dt.date(2026, 11, 26), 9)  # the next day: offered again
    assert "mood.offer" in keys(command(state, "mood", "3"))


def test_lets_do_it_makes_a_tiny_plan() -> None:
    state = make_state()
    command(state, "mood")
    press(state, "mood3")
    outcome = press(state, "do")
    assert last(outcome).keys == ["barrier.plan.what_question"]
    press(state, "what_shoes_on")
    outcome = press(state, "when_next_hour")
    plan = next(r for r in outcome.records if isinstance(r, BarrierPlan))
    assert (plan.barrier, plan.what, plan.when) == ("low_mood", "shoes_on", "next_hour")


def test_a_rating_above_three_makes_no_offer() -> None:
    state = make_state()
    assert "mood.offer" not in keys(command(state, "mood", "4"))
