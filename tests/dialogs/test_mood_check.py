"""The opt-in daily mood check: /settings on and off, the rating, the just-in-time offer and
its answers (transport-neutral: events through the real router)."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from factories import (
    NOW,
    button_values,
    command,
    content,
    keys,
    last,
    make_state,
    params,
    press,
    run,
)

import dialogs.mood
from dialogs import mood_check
from dialogs.events import Press, Text
from dialogs.mood import offer_due
from dialogs.records import AuditEvent, MoodRecord, SessionRecord, SessionStatus
from dialogs.state import Outcome, PatientState

OFFER_HOURS = dt.timedelta(hours=content().protocol.mood.follow_up_hours)


def _moods(outcome: Outcome) -> list[int]:
    return [r.score for r in outcome.records if isinstance(r, MoodRecord)]


def _sessions(outcome: Outcome) -> list[SessionRecord]:
    return [r for r in outcome.records if isinstance(r, SessionRecord)]


def _rendered(outcome: Outcome, language: str) -> str:
    texts = content().texts
    return "\n".join(screen.render_text(texts, language) for screen in outcome.replies)


def _labels(outcome: Outcome, language: str) -> list[str]:
    texts = content().texts
    return [c.label(texts, language) for row in last(outcome).choices for c in row]


def opted_in(**overrides: object) -> PatientState:
    return make_state(mood_check_time="20:00", **overrides)


# ----------------------------------------------------------------------------- /settings


@pytest.mark.parametrize("language", ["en", "es"])
def test_turning_the_check_on_and_off_in_settings(language: str) -> None:
    state = make_state(language=language)
    outcome = command(state, "settings")
    assert "settings.mood_check.line_off" in keys(outcome)
    assert "mood_check" in button_values(last(outcome))
    outcome = press(state, "edit:mood_check")
    assert keys(outcome) == ["settings.mood_check.ask"]
    assert _labels(outcome, language)[:4] == list(mood_check.CHECK_TIMES)
    outcome = press(state, "o:20:00")
    assert state.profile.mood_check_time == "20:00"
    assert "settings.saved" in keys(outcome)
    assert params(outcome, "settings.mood_check.line_on") == {"time": "20:00"}
    assert "{" not in _rendered(outcome, language)  # every placeholder filled, en and es

    press(state, "edit:mood_check")
    outcome = press(state, "skip")  # "Turn it off"
    assert state.profile.mood_check_time is None
    assert "settings.mood_check.line_off" in keys(outcome)


def test_a_typed_time_is_taken_and_one_inside_quiet_hours_is_refused_kindly() -> None:
    state = make_state()
    command(state, "settings")
    press(state, "edit:mood_check")
    outcome = run(state, Text("22:30"))  # quiet hours are 21:00–08:00
    assert keys(outcome)[0] == "settings.mood_check.in_quiet_hours"
    assert state.profile.mood_check_time is None
    assert state.conversation.state == "mood_check"
    run(state, Text("19.45"))
    assert state.profile.mood_check_time == "19:45"
    assert state.conversation.state == "menu"


# ----------------------------------------------------------------------------- the check


def test_the_check_buttons_store_a_rating_like_any_mood_and_a_good_one_is_thanked() -> None:
    state = opted_in()
    outcome = run(state, Press("m:mck:7"))
    assert _moods(outcome) == [7]
    assert keys(outcome) == ["mood.thanks"]
    assert state.profile.mood_offer_at is None
    assert state.conversation.flow == "idle"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_low_rating_gets_the_just_in_time_offer(language: str) -> None:
    state = opted_in(language=language)
    outcome = run(state, Press("m:mck:2"))
    assert _moods(outcome) == [2]
    assert keys(outcome) == ["mood_check.offer"]
    assert params(outcome, "mood_check.offer") == {"minutes": 10}
    assert [c.data.rsplit(":", 1)[-1] for row in last(outcome).choices for c in row] == [
        "start",
        "not_now",
    ]
    label = {"en": "Start 10 minutes", "es": "Empezar 10 minutos"}[language]
    assert _labels(outcome, language)[0] == label
    assert state.profile.mood_offer_at == NOW  # the follow-up counts from the offer


def test_the_threshold_is_read_from_content_only() -> None:
    protocol = content().protocol
    assert not hasattr(dialogs.mood, "LOW_MOOD")
    state = make_state()
    assert offer_due(state, protocol, protocol.mood.low_mood)
    assert not offer_due(state, protocol, protocol.mood.low_mood + 1)
    moved = protocol.model_copy(update={"mood": protocol.mood.model_copy(update={"low_mood": 5})})
    assert offer_due(state, moved, 5) and not offer_due(state, moved, 6)


def test_starting_logs_a_short_session_and_no_follow_up_is_due() -> None:
    state = opted_in()
    run(state, Press("m:mck:1"))
    outcome = press(state, "start")
    (record,) = _sessions(outcome)
    assert (record.status, record.planned, record.minutes) == (SessionStatus.PARTIAL, False, 10)
    assert record.note == mood_check.NOTE and record.modality == "aerobic"
    assert record.logged_at == NOW
    assert keys(outcome) == ["mood_check.started"]
    assert any(
        isinstance(r, AuditEvent) and r.action == "mood.offer_started" for r in outcome.records
    )
    assert mood_check.follow_up_at(state, content()) is None
    assert state.conversation.flow == "idle"


def test_not_now_is_fine_and_leaves_one_follow_up_two_hours_later() -> None:
    state = opted_in()
    run(state, Press("m:mck:0"))
    outcome = press(state, "not_now")
    assert keys(outcome) == ["mood_check.not_now"]
    assert not _sessions(outcome)
    assert mood_check.follow_up_at(state, content()) == NOW + OFFER_HOURS


def test_a_second_low_rating_the_same_day_makes_no_second_offer() -> None:
    state = opted_in()
    command(state, "mood", "2")  # /mood first: its own offer, the day's one
    press(state, "not_now")
    outcome = run(state, Press("m:mck:2"))
    assert "mood_check.offer" not in keys(outcome)
    assert state.profile.mood_offer_at is None


# ------------------------------------------------------------------------ the follow-up's buttons


def test_the_follow_up_buttons_work_on_their_own_message() -> None:
    state = opted_in(mood_offer_at=NOW - OFFER_HOURS)
    outcome = run(state, Press("m:mck:start"))
    assert [r.minutes for r in _sessions(outcome)] == [10]
    outcome = run(state, Press("m:mck:not_now"))
    assert keys(outcome) == ["mood_check.not_now"]


def test_an_unknown_check_value_changes_nothing() -> None:
    state = opted_in()
    for value in ("m:mck:11", "m:mck:-1", "m:mck:later"):
        outcome = run(state, Press(value))
        assert not _moods(outcome) and not _sessions(outcome)
    assert state.profile.mood_offer_at is None


def test_the_open_offer_and_its_clock_survive_a_restart() -> None:
    """What storage keeps (the conversation's data, the profile) is all the offer needs."""
    state = opted_in()
    run(state, Press("m:mck:3"))
    assert (state.conversation.flow, state.conversation.state) == ("mood", "offer")
    assert state.conversation.data["check"] is True
    reloaded = opted_in(
        conversation=copy.deepcopy(state.conversation),
        mood_offer_at=state.profile.mood_offer_at,
        now=NOW + dt.timedelta(minutes=20),
    )
    assert mood_check.follow_up_at(reloaded, content()) == NOW + OFFER_HOURS
    outcome = press(reloaded, "start")
    assert [r.minutes for r in _sessions(outcome)] == [10]
    assert mood_check.follow_up_at(reloaded, content()) is None
