"""/progress (summary, forgiving streak, chart) and /plan (the week, one line a session)."""

from __future__ import annotations

import datetime as dt

from factories import (
    PROGRAMME_START,
    at_local,
    checkin,
    command,
    content,
    keys,
    last,
    make_state,
    params,
    session,
)

from dialogs.progress import ProgressChart, streak
from dialogs.records import SessionStatus

WEEK = dt.timedelta(days=7)
# Wednesday 16 December 2026: the fourth calendar week of a programme started on 23 November.
WEDNESDAY = PROGRAMME_START + 3 * WEEK + dt.timedelta(days=2)


def week(monday: dt.date, *offsets: int) -> list:  # type: ignore[type-arg]
    return [session(monday + dt.timedelta(days=d)) for d in offsets]


def days(week_number: int) -> dt.date:
    return PROGRAMME_START + (week_number - 1) * WEEK


def test_one_miss_a_week_does_not_break_the_streak() -> None:
    sessions = [
        *week(days(1), 0, 2, 4),
        *week(days(2), 0, 4),
        *week(days(3), 0, 2, 4),
        *week(days(4), 0),
    ]
    state = make_state(now=at_local(WEDNESDAY), sessions=sessions)
    # Weeks 1–3 kept (week 2 with one miss); this week is not kept yet and does not break it.
    assert streak(state, content()) == 3


def test_two_misses_break_it_and_rest_days_never_count() -> None:
    sessions = [*week(days(1), 0, 2, 4), *week(days(2), 0), *week(days(3), 0, 2, 4)]
    state = make_state(now=at_local(WEDNESDAY), sessions=sessions)
    assert streak(state, content()) == 1  # week 3 only: week 2 had two misses


def test_the_current_week_counts_once_kept() -> None:
    sessions = [*week(days(3), 0, 2, 4), *week(days(4), 0, 2)]
    state = make_state(now=at_local(WEDNESDAY), sessions=sessions)
    assert streak(state, content()) == 2


def test_a_session_logged_on_a_rest_day_makes_up_for_a_miss() -> None:
    extra = session(days(2) + dt.timedelta(days=5), planned=False)  # a Saturday
    sessions = [*week(days(1), 0, 2, 4), *week(days(2), 0), extra, *week(days(3), 0, 2, 4)]
    state = make_state(now=at_local(WEDNESDAY), sessions=sessions)
    assert streak(state, content()) == 3


def test_skipped_sessions_are_not_done() -> None:
    sessions = [*week(days(3), 0), session(days(3) + dt.timedelta(days=2), SessionStatus.SKIPPED)]
    state = make_state(now=at_local(WEDNESDAY), sessions=sessions)
    assert streak(state, content()) == 0


def test_progress_summary_and_chart() -> None:
    sessions = [*week(days(1), 0, 2, 4), *week(days(4), 0)]
    checkins = [checkin(days(1), 15, "moderately_severe"), checkin(days(3), 9, "mild")]
    state = make_state(now=at_local(WEDNESDAY), sessions=sessions, checkins=checkins)
    outcome = command(state, "progress")
    # Weeks 2 and 3 were missed without a word: /progress applies the step back the record
    # calls for (20-minute sessions, not 25) and opens the barrier conversation.
    assert params(outcome, "progress_week.other") == {
        "sessions": 1,
        "planned": 3,
        "minutes": 20,
        "target": 60,
    }
    assert "progression.step_back" in outcome.replies[0].keys
    assert state.conversation.flow == "barrier"
    assert params(outcome, "progress.phq9_better")["points"] == 6
    chart = outcome.replies[0].chart
    assert isinstance(chart, ProgressChart)
    assert len(chart.weeks) == 4  # the chart starts at the patient's first week
    assert chart.weeks[0].week_start == days(1)
    assert chart.weeks[-1].week_start == days(4)
    assert chart.weeks[-1].label == "14 Dec"
    assert [w.minutes for w in chart.weeks[-4:]] == [60, 0, 0, 20]
    # The bands are drawn with the step the patient stands on now (stepped back: 3 × 20).
    assert (chart.weeks[-4].target_low, chart.weeks[-4].target_high) == (60, 60)
    assert [(p.day, p.total) for p in chart.phq9] == [(days(1), 15), (days(3), 9)]
    assert chart.phq9_max == 27
    assert chart.weekly_minimum == content().protocol.weekly_dose.minimum_minutes
    assert chart.phq9_bands[0] == (0, 4, "minimal")
    assert chart.phq9_bands[-1] == (20, 27, "severe")


def test_a_summary_after_none_of_three_is_never_on_track() -> None:
    """Weeks 1–3 kept, but this week's three planned days all went by with nothing done."""
    sunday = days(4) + dt.timedelta(days=6)
    sessions = [*week(days(1), 0, 2, 4), *week(days(2), 0, 2, 4), *week(days(3), 0, 2, 4)]
    state = make_state(now=at_local(sunday), sessions=sessions)
    outcome = command(state, "progress")
    assert params(outcome, "progress_week.other")["sessions"] == 0
    assert "progress.streak" not in keys(outcome)
    assert "progress.streak_start" in keys(outcome)


def test_one_planned_session_is_singular() -> None:
    state = make_state(training_days=[2])
    outcome = command(state, "progress")
    assert params(outcome, "progress_week.one")["planned"] == 1


def test_a_score_that_rose_into_remission_is_not_called_a_drop() -> None:
    """Baseline 2, now 4: under 5, but higher; never "4, down from 2"."""
    checkins = [checkin(days(1), 2, "minimal"), checkin(days(3), 4, "minimal")]
    state = make_state(now=at_local(WEDNESDAY), checkins=checkins)
    shown = keys(command(state, "progress"))
    assert "phq9_trend.remission" not in shown
    assert "progress.phq9_steady" in shown


def test_exactly_half_is_a_response_worded_half_or_less() -> None:
    checkins = [checkin(days(1), 16, "moderately_severe"), checkin(days(3), 8, "mild")]
    state = make_state(now=at_local(WEDNESDAY), checkins=checkins)
    outcome = command(state, "progress")
    assert "phq9_trend.response" in keys(outcome)
    assert "half or less" in content().texts.get("en", "phq9_trend.response")


def test_a_rise_is_told_kindly() -> None:
    checkins = [checkin(days(1), 8, "mild"), checkin(days(3), 14, "moderate")]
    state = make_state(now=at_local(WEDNESDAY), checkins=checkins)
    assert "progress.phq9_higher" in keys(command(state, "progress"))


def test_plan_lists_the_week_with_day_names() -> None:
    state = make_state(sessions=week(days(1), 0))
    outcome = command(state, "plan")
    lines = [(line.key, dict(line.params)) for line in last(outcome).lines]
    assert lines[0] == ("plan.heading", {"week": 1})
    sessions = [p for key, p in lines if key in ("plan.session", "plan.session_done")]
    assert [p["day"] for p in sessions] == ["Monday", "Wednesday", "Friday"]
    assert lines[1][0] == "plan.session_done"  # Monday is done
    assert {p["time"] for p in sessions} == {"08:00"}
    assert {p["minutes"] for p in sessions} == {20}
    assert {p["modality"] for p in sessions} == {"Aerobic exercise"}


def test_plan_shows_a_session_in_the_next_programme_week_at_its_own_dose() -> None:
    # Started on a Thursday: Monday and Wednesday fall in programme week 1 (20 minutes, the
    # bottom of 20–30), Friday is day 8, week 2 (25, the middle), as Friday's card will say.
    thursday = dt.date(2026, 11, 26)
    monday = thursday + dt.timedelta(days=4)
    state = make_state(
        now=at_local(monday),
        programme_start=thursday,
        phase_started=thursday,
        sessions=[session(thursday + dt.timedelta(days=1))],
    )
    lines = [dict(line.params) for line in last(command(state, "plan")).lines]
    minutes = {p["day"]: p["minutes"] for p in lines if "minutes" in p and "day" in p}
    assert minutes == {"Monday": 20, "Wednesday": 20, "Friday": 25}


def test_plan_in_spanish_uses_spanish_day_names() -> None:
    state = make_state(language="es")
    outcome = command(state, "plan")
    sessions = [dict(line.params) for line in last(outcome).lines if line.key == "plan.session"]
    assert [p["day"] for p in sessions] == ["lunes", "miércoles", "viernes"]


def test_one_training_day_gets_a_note() -> None:
    # Asked this week already whether to add a day (tests/dialogs/test_extra_day.py).
    state = make_state(training_days=[2], extra_day_week=dt.date(2026, 11, 23))
    outcome = command(state, "plan")
    assert params(outcome, "plan.fewer_days") == {"chosen": 1, "minimum": 3}


def test_plan_after_three_silent_misses_shows_the_step_back_not_a_stale_dose() -> None:
    """Week 3 in phase 2 (30 minutes); Wed, Fri and Mon went by with nothing pressed."""
    phase_two = days(3)
    sessions = [session(phase_two, minutes=30)]
    state = make_state(
        now=at_local(days(4) + dt.timedelta(days=2)),
        sessions=sessions,
        phase_id=2,
        phase_started=phase_two,
        start_step=False,
    )
    outcome = command(state, "plan")
    assert "progression.step_back" in outcome.replies[0].keys
    minutes = {
        line.params["minutes"]
        for line in outcome.replies[0].lines
        if line.key and line.key.startswith("plan.session")
    }
    assert minutes and max(minutes) < 30  # phase 1 again, not phase 2's 30 minutes
    assert state.profile.phase_id == 1
    assert state.conversation.flow == "barrier"  # the talk opens at this contact
