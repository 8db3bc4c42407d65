"""/today and /log: the session card, the logging conversation, and what it stores."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import (
    PROGRAMME_START,
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

from dialogs import programme
from dialogs.events import Press, Text
from dialogs.records import SessionRecord, SessionStatus
from dialogs.today import effort_rpe

THURSDAY = dt.date(2026, 11, 26)


def test_training_day_shows_the_heart_rate_range_of_week_one() -> None:
    state = make_state()
    outcome = command(state, "today")
    screen = last(outcome)
    # Tanaka: 208 − 0.7 × 40 = 180; Karvonen 50–60 % of (180 − 60) above 60 = 120–132.
    assert params(outcome, "today.target_hr") == {
        "bpm_low": 120,
        "bpm_high": 132,
        "percent": "50–60",
    }
    assert params(outcome, "today.heading")["minutes"] == 20  # first week: low end of 20–30
    for key in (
        "today.examples",
        "today.warm_up",
        "today.main",
        "today.cool_down",
        "exertion.moderate_vigorous",
        "card.total",
    ):
        assert key in screen.keys
    assert params(outcome, "card.total") == {"minutes": 20}
    assert button_values(screen) == ["done", "partial", "cant"]
    assert state.conversation.flow == "session"


def test_rest_day_names_the_next_session() -> None:
    state = make_state(now=at_local(THURSDAY))
    outcome = command(state, "today")
    assert keys(outcome)[0] == "today.rest_day"
    upcoming = params(outcome, "today.next_session")
    assert upcoming["day"] == "Friday"
    assert upcoming["time"] == "08:00"
    assert upcoming["minutes"] == 20
    assert state.conversation.flow == "idle"


@pytest.mark.parametrize("start", [dt.date(2026, 11, 30) + dt.timedelta(days=n) for n in range(7)])
def test_the_offered_dose_follows_the_sessions_own_programme_week(start: dt.date) -> None:
    # Whatever the weekday of the start, a session dated in the first seven days is offered
    # at week 1's dose (the bottom of 20–30), later ones at week 2's (the middle, 25), both
    # on the day (the card) and before it (a rest day names the next session).
    for offset in range(10):
        today = start + dt.timedelta(days=offset)
        kept = [  # every planned day so far done: no missed day steps the dose back
            session(start + dt.timedelta(days=n))
            for n in range(offset)
            if (start + dt.timedelta(days=n)).weekday() in (0, 2, 4)
        ]
        state = make_state(
            now=at_local(today), programme_start=start, phase_started=start, sessions=kept
        )
        outcome = command(state, "today")
        if "today.heading" in keys(outcome):
            session_day, minutes = today, params(outcome, "today.heading")["minutes"]
        else:
            upcoming = params(outcome, "today.next_session")
            session_day = next(
                today + dt.timedelta(days=n)
                for n in range(1, 8)
                if (today + dt.timedelta(days=n)).weekday() in (0, 2, 4)
            )
            assert upcoming["day"] == session_day.strftime("%A")
            minutes = upcoming["minutes"]
        expected = 20 if (session_day - start).days < 7 else 25
        assert minutes == expected, (start, today, session_day)


def test_beta_blockers_give_effort_targets_only() -> None:
    for beta_blockers in (True, None):  # "not sure" is read as yes
        state = make_state(beta_blockers=beta_blockers)
        outcome = command(state, "today")
        shown = keys(outcome)
        assert "today.target_hr" not in shown
        assert "today.by_feel" in shown
        assert params(outcome, "exertion.moderate_vigorous") == {
            "rpe": "12–14",
            "anchors": "13 is somewhat hard",
        }


def test_before_onboarding_is_complete_a_kind_note() -> None:
    state = make_state(journey="onboarding")
    assert keys(command(state, "today")) == ["today.not_ready"]


def test_the_done_path_stores_one_session() -> None:
    state = make_state()
    command(state, "today")
    press(state, "done")
    press(state, "min30")
    press(state, "eff_right")
    assert last(press(state, "mood3")).keys[0] == "today.ask_mood_after"
    outcome = press(state, "mood6")
    stored = [r for r in outcome.records if isinstance(r, SessionRecord)]
    assert len(stored) == 1
    record = stored[0]
    assert (record.day, record.status, record.planned) == (
        dt.date(2026, 11, 25),
        SessionStatus.DONE,
        True,
    )
    assert (record.modality, record.minutes) == ("aerobic", 30)
    assert record.exertion == effort_rpe(content())["right"]
    assert (record.mood_before, record.mood_after) == (3, 6)
    assert state.sessions == [record]
    assert "today.logged_done" in keys(outcome)
    # This week: Monday, Wednesday and Friday at 20 minutes each.
    assert params(outcome, "today.week_progress") == {"minutes": 30, "target": 60}
    assert state.conversation.flow == "idle"


def test_typed_minutes_and_mood_are_accepted() -> None:
    state = make_state()
    command(state, "today")
    press(state, "partial")
    run(state, Text("25"))
    press(state, "eff_easy")
    run(state, Text("4"))
    outcome = run(state, Text("5"))
    record = next(r for r in outcome.records if isinstance(r, SessionRecord))
    assert (record.status, record.minutes, record.exertion) == (SessionStatus.PARTIAL, 25, 11)


def test_minutes_out_of_range_are_asked_again_with_the_range() -> None:
    state = make_state()
    command(state, "today")
    press(state, "done")
    outcome = run(state, Text("500"))
    assert params(outcome, "today.minutes_range") == {"low": 1, "high": 300}
    assert state.conversation.state == "ask_minutes"
    assert not outcome.records


def test_an_activity_told_in_words_on_the_card_logs_it() -> None:
    state = make_state()
    command(state, "today")
    outcome = run(state, Text("I went for a walk"))
    assert "today.ask_minutes" in keys(outcome)
    assert state.conversation.state == "ask_minutes"


def test_free_text_where_a_button_is_expected_asks_again() -> None:
    state = make_state()
    command(state, "today")
    seq = state.conversation.seq
    outcome = run(state, Text("purple elephants"))
    assert "free_text.reask_buttons" in keys(outcome)
    assert button_values(last(outcome)) == ["done", "partial", "cant"]
    assert state.conversation.state == "offered"
    assert state.conversation.seq == seq  # the same question, its buttons still work


def test_a_stale_button_changes_nothing() -> None:
    state = make_state()
    card = last(command(state, "today"))
    press(state, "done", card)
    outcome = press(state, "cant", card)  # from the old card
    assert "common.stale_button" in keys(outcome)
    assert state.conversation.state == "ask_minutes"
    assert not outcome.records


def test_cant_today_stores_a_skip_and_opens_the_barrier_talk() -> None:
    state = make_state()
    command(state, "today")
    outcome = press(state, "cant")
    stored = [r for r in outcome.records if isinstance(r, SessionRecord)]
    assert [(r.status, r.planned) for r in stored] == [(SessionStatus.SKIPPED, True)]
    assert state.conversation.flow == "barrier"
    assert state.conversation.state == "choose"
    assert "barrier.intro" in keys(outcome)


def test_done_later_the_same_day_updates_the_skip() -> None:
    skipped = session(dt.date(2026, 11, 25), SessionStatus.SKIPPED)
    skipped.id = 7
    state = make_state(sessions=[skipped])
    command(state, "today")
    for value in ("done", "min20", "eff_right", "mood5", "mood7"):
        outcome = press(state, value)
    stored = [r for r in outcome.records if isinstance(r, SessionRecord)]
    assert [(r.id, r.status) for r in stored] == [(7, SessionStatus.DONE)]
    assert len(state.sessions) == 1


def test_leaving_after_the_minutes_keeps_them() -> None:
    state = make_state()
    command(state, "today")
    press(state, "done")
    press(state, "min20")
    outcome = command(state, "progress")
    assert state.conversation.flow == "session"  # /progress does not start a flow
    outcome = command(state, "mood")
    stored = [r for r in outcome.records if isinstance(r, SessionRecord)]
    assert [(r.minutes, r.exertion) for r in stored] == [(20, None)]


def test_log_a_session_outside_the_plan() -> None:
    state = make_state(now=at_local(THURSDAY))
    outcome = command(state, "log")
    assert last(outcome).keys == ["log.ask_activity"]
    assert "mod_aerobic" in button_values(last(outcome))
    for value in ("mod_mind_body", "min45", "eff_easy", "mood4", "mood6"):
        outcome = press(state, value)
    record = next(r for r in outcome.records if isinstance(r, SessionRecord))
    assert (record.planned, record.modality, record.minutes) == (False, "mind_body", 45)
    assert "log.logged" in keys(outcome)


def test_a_forged_value_is_refused_kindly() -> None:
    state = make_state()
    command(state, "today")
    press(state, "done")
    outcome = run(state, Press(f"c:{state.conversation.seq}:min7"))  # not one of the buttons
    assert "common.button_unknown" in keys(outcome)
    assert state.conversation.state == "ask_minutes"


def test_enough_sessions_advance_the_phase_with_one_sentence() -> None:
    # Two weeks done in full (Mon/Wed/Fri); on Monday of week 3 the phase is over.
    days = [PROGRAMME_START + dt.timedelta(days=d) for d in (0, 2, 4, 7, 9, 11)]
    monday = PROGRAMME_START + dt.timedelta(days=14)
    state = make_state(now=at_local(monday), sessions=[session(d) for d in days])
    offered = command(state, "today")
    assert state.profile.phase_id == 2
    assert state.profile.phase_started == monday
    assert params(offered, "progression.advance")["prescribed"] == 6
    assert params(offered, "today.heading")["minutes"] == 30  # phase 2, first week
    for value in ("done", "min30", "eff_right", "mood5", "mood7"):
        outcome = press(state, value)
    assert "progression.advance" not in keys(outcome)  # said once, at the offer


def test_three_misses_in_a_row_step_back() -> None:
    # Phase 2 since Monday 7 December; Monday and Wednesday went by with no record.
    start = dt.date(2026, 12, 7)
    friday = start + dt.timedelta(days=4)
    state = make_state(now=at_local(friday), phase_id=2, phase_started=start)
    command(state, "today")
    outcome = press(state, "cant")
    assert state.profile.phase_id == 1
    assert "progression.step_back" in keys(outcome)
    assert state.conversation.flow == "barrier"


def test_maintenance_is_kept_as_phase_zero() -> None:
    start = PROGRAMME_START + dt.timedelta(weeks=13)
    state = make_state(now=at_local(start + dt.timedelta(days=2)), phase_id=0, phase_started=start)
    prescription = programme.current_prescription(state, content())
    assert prescription.maintenance
    assert prescription.weekly_minutes is not None


def _shown_in_spanish(outcome: object) -> list[str]:
    """Render every reply in Spanish; return the keys missing from the Spanish texts."""
    from dialogs.state import Outcome

    assert isinstance(outcome, Outcome)
    texts = content().texts
    missing = []
    for screen in outcome.replies:
        text = screen.render_text(texts, "es")
        assert "{" not in text, text
        used = [*screen.keys, *(c.key for row in screen.choices for c in row if c.key)]
        missing += [key for key in used if not texts.has(key, "es")]
        for row in screen.choices:
            for choice in row:
                assert "{" not in choice.label(texts, "es")
    return missing


def test_every_screen_renders_in_spanish() -> None:
    missing: list[str] = []
    # A training day: the card, the whole logging path, then /progress and /plan.
    state = make_state(language="es")
    missing += _shown_in_spanish(command(state, "today"))
    for value in ("done", "min30", "eff_hard", "mood2", "mood5"):
        missing += _shown_in_spanish(press(state, value))
    missing += _shown_in_spanish(command(state, "progress"))
    missing += _shown_in_spanish(command(state, "plan"))
    # Can't today, every barrier script to its plan, with the short session where offered.
    for barrier in [b.id for b in content().barriers.barriers]:
        state = make_state(language="es", beta_blockers=True)
        missing += _shown_in_spanish(command(state, "today"))
        missing += _shown_in_spanish(press(state, "cant"))
        missing += _shown_in_spanish(press(state, f"bar_{barrier}"))
        while state.conversation.state == "script":
            missing += _shown_in_spanish(press(state, "b0"))
        if state.conversation.state == "plan_what":
            missing += _shown_in_spanish(press(state, "what_walk_10"))
        missing += _shown_in_spanish(press(state, "when_next_hour"))
        assert state.conversation.flow == "idle"
    # A rest day, /log, a low mood, and the bad-input replies.
    state = make_state(language="es", now=at_local(THURSDAY))
    missing += _shown_in_spanish(command(state, "today"))
    missing += _shown_in_spanish(command(state, "log"))
    missing += _shown_in_spanish(press(state, "mod_resistance"))
    missing += _shown_in_spanish(run(state, Text("500")))
    missing += _shown_in_spanish(run(state, Text("30")))
    missing += _shown_in_spanish(command(state, "mood", "1"))
    missing += _shown_in_spanish(press(state, "not_now"))
    missing += _shown_in_spanish(command(make_state(language="es", journey="onboarding"), "today"))
    assert not missing, sorted(set(missing))


def test_digits_that_are_not_ascii_are_asked_again() -> None:
    state = make_state()
    command(state, "today")
    press(state, "done")
    assert "today.minutes_range" in keys(run(state, Text("²")))
    assert "common.button_unknown" in keys(press(state, "min²"))
    assert state.conversation.state == "ask_minutes"


def test_days_with_nothing_pressed_step_back_at_the_next_contact() -> None:
    """Two weeks of planned days went by with no record at all: missed, whatever was pressed."""
    state = make_state(started_days_ago=16)
    outcome = command(state, "today")
    assert "progression.step_back" in keys(outcome)
    assert state.profile.start_step is True  # phase 1 steps back to the start step
    assert state.conversation.flow == "barrier"


def test_a_done_after_three_misses_still_steps_back() -> None:
    start = dt.date(2026, 12, 7)  # Monday; phase 2 since then
    days = [start + dt.timedelta(days=d) for d in (0, 2, 4)]
    records = [session(d, status=SessionStatus.MISSED) for d in days]
    monday = start + dt.timedelta(days=7)
    state = make_state(now=at_local(monday), phase_id=2, phase_started=start, sessions=records)
    outcome = command(state, "today")
    assert state.profile.phase_id == 1
    assert "progression.step_back" in keys(outcome)


def test_a_low_mood_after_the_session_gets_a_gentle_check_and_the_offer() -> None:
    state = make_state()
    command(state, "today")
    for value in ("done", "min20", "eff_right", "mood6"):
        press(state, value)
    outcome = press(state, "mood2")
    assert keys(outcome)[:1] == ["today.logged_done"]
    assert "mood_check.after_session" in keys(outcome)
    assert "mood.offer" in keys(outcome)
    assert state.conversation.flow == "mood"
    assert len(outcome.records) >= 1  # the session is stored before the offer


def test_a_drop_of_three_gets_the_check_and_a_good_mood_does_not() -> None:
    dropped, fine = make_state(), make_state()
    for state, before, after in ((dropped, "mood8", "mood5"), (fine, "mood5", "mood7")):
        command(state, "today")
        for value in ("done", "min20", "eff_right", before):
            press(state, value)
        outcome = press(state, after)
        assert ("mood_check.after_session" in keys(outcome)) is (state is dropped)
