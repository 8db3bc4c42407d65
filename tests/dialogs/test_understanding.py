"""Typed text no question took: what it leads to, idle, on the session card, in other flows."""

from __future__ import annotations

from factories import button_values, command, keys, last, make_state, press, run

from dialogs.events import Press, Text
from dialogs.records import SessionStatus

NEVER_IDLE = {"help.text", "safety.not_emergency", "common.use_buttons"}


def test_not_understood_at_idle_is_one_line_and_three_buttons() -> None:
    state = make_state()
    outcome = run(state, Text("asdf qwerty"))
    assert keys(outcome) == ["understanding.fallback"]
    assert button_values(last(outcome)) == ["today", "mood", "help"]
    assert not outcome.escalations


def test_stop_offers_a_pause_or_leaving_and_leaving_says_how() -> None:
    state = make_state()
    outcome = run(state, Text("stop messaging me"))
    assert keys(outcome) == ["understanding.stop"]
    assert button_values(last(outcome)) == ["pause", "leave"]
    assert keys(run(state, Press("m:ft:leave"))) == ["free_text.leave"]


def test_cant_today_typed_on_the_card_skips_and_opens_the_barrier_talk() -> None:
    state = make_state()
    command(state, "today")
    outcome = run(state, Text("can't today"))
    assert "today.skipped" in keys(outcome)
    assert state.sessions[-1].status is SessionStatus.SKIPPED
    assert state.conversation.flow == "barrier"


def test_did_half_typed_on_the_card_is_a_partial_session() -> None:
    state = make_state()
    command(state, "today")
    outcome = run(state, Text("did half"))
    assert "today.ask_minutes_partial" in keys(outcome)


def test_a_barrier_typed_at_what_got_in_the_way_opens_its_script() -> None:
    state = make_state()
    command(state, "barrier")
    outcome = run(state, Text("i have no time"))
    assert state.conversation.flow == "barrier"
    assert state.conversation.state == "script"
    assert not set(keys(outcome)) & NEVER_IDLE


def test_an_activity_offer_can_be_changed_or_declined() -> None:
    state = make_state()
    run(state, Text("did yoga for half an hour"))
    assert state.conversation.flow == "log_offer"
    outcome = press(state, "change")
    assert "log.ask_activity" in keys(outcome)
    run(state, Text("walked 20 min"))  # typed on the activity question: picks it, asks the rest
    assert state.conversation.state in ("ask_minutes", "ask_exertion")


def test_a_log_offer_pressed_twice_logs_once() -> None:
    state = make_state()
    offer = last(run(state, Text("walked 20 min")))
    press(state, "yes", offer)
    outcome = press(state, "yes", offer)
    assert "common.stale_button" in keys(outcome)
