"""Quiet hours in /settings: from, then until, with buttons or typed; nudges read them."""

from __future__ import annotations

import datetime as dt

from factories import button_values, command, content, keys, last, make_state, params, press, run

from dialogs.events import Text
from dialogs.nudge_time import quiet_hours


def test_the_menu_shows_quiet_hours_and_changes_them_with_buttons() -> None:
    state = make_state()
    outcome = command(state, "settings")
    assert params(outcome, "settings.quiet.line") == {"start": "21:00", "end": "08:00"}
    assert "quiet" in button_values(last(outcome))
    outcome = press(state, "edit:quiet")
    assert keys(outcome) == ["settings.quiet.ask_start"]
    labels = [choice.literal for row in last(outcome).choices for choice in row]
    assert labels == ["20:00", "21:00", "22:00", "23:00"]
    outcome = press(state, "o:22:00")
    assert keys(outcome) == ["settings.quiet.ask_end"]
    assert state.conversation.state == "quiet_end"
    outcome = press(state, "o:07:00")
    assert "settings.saved" in keys(outcome)
    assert params(outcome, "settings.quiet.line") == {"start": "22:00", "end": "07:00"}
    assert (state.profile.quiet_start, state.profile.quiet_end) == ("22:00", "07:00")
    assert state.conversation.state == "menu"
    # The nudges read the same profile fields.
    quiet = quiet_hours(state, content().nudges)
    assert quiet.contains(dt.time(6, 30)) and not quiet.contains(dt.time(7, 30))
    assert quiet.contains(dt.time(22, 0)) and not quiet.contains(dt.time(21, 30))


def test_typed_times_and_a_kind_refusal_of_an_empty_quiet_period() -> None:
    state = make_state()
    command(state, "settings")
    press(state, "edit:quiet")
    outcome = run(state, Text("23.30"))
    assert keys(outcome) == ["settings.quiet.ask_end"]
    assert state.profile.quiet_start == "23:30"
    outcome = run(state, Text("23:30"))  # ends when it starts: no quiet hours at all
    assert keys(outcome)[0] == "settings.quiet.same_time"
    assert state.profile.quiet_end == "08:00"
    assert state.conversation.state == "quiet_end"
    outcome = run(state, Text("half past six"))
    assert keys(outcome)[0] == "onboarding.time_format"
    assert state.profile.quiet_end == "08:00"
    run(state, Text("6:45"))
    assert (state.profile.quiet_start, state.profile.quiet_end) == ("23:30", "06:45")
    assert state.conversation.state == "menu"
