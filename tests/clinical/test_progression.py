"""Advance, hold, step back or continue: the protocol's progression rules."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from content.clinical.ladder import Step
from content.clinical.progression import SessionOutcome, SessionStatus, decide
from content.schemas.protocol import Protocol

START = date(2026, 1, 5)  # a Monday
DONE, PARTIAL, SKIPPED, MISSED = (
    SessionStatus.DONE,
    SessionStatus.PARTIAL,
    SessionStatus.SKIPPED,
    SessionStatus.MISSED,
)


def two_weeks(statuses: list[SessionStatus], start: date = START) -> list[SessionOutcome]:
    """Mon/Wed/Fri sessions from `start`, in order, one status each."""
    offsets = [0, 2, 4, 7, 9, 11, 14, 16, 18, 21, 23, 25]
    return [
        SessionOutcome(start + timedelta(days=offset), status, 25)
        for offset, status in zip(offsets, statuses, strict=False)
    ]


def test_advance_after_the_phase_with_two_thirds_done(protocol: Protocol) -> None:
    sessions = two_weeks([DONE, DONE, MISSED, DONE, DONE, MISSED])
    decision = decide(protocol, Step(1), START, START + timedelta(days=14), sessions)
    assert (decision.action, decision.phase_id) == ("advance", 2)
    assert decision.reason_key == "progression.advance"
    assert (decision.done, decision.prescribed) == (4, 6)  # exactly two thirds is enough
    assert decision.starts_new_period
    assert not decision.open_barrier_conversation


def test_hold_when_too_few_were_done(protocol: Protocol) -> None:
    sessions = two_weeks([DONE, PARTIAL, MISSED, DONE, PARTIAL, PARTIAL])
    decision = decide(protocol, Step(1), START, START + timedelta(days=14), sessions)
    assert (decision.action, decision.phase_id) == ("hold", 1)
    assert decision.done == Fraction(7, 2)  # partial counts as half: 2 + 3 × ½
    assert decision.params == {"done": "3.5", "prescribed": 6, "misses": 1}
    assert decision.reason_key == "progression.hold"
    assert decision.starts_new_period


def test_partials_count_half(protocol: Protocol) -> None:
    sessions = two_weeks([DONE, DONE, DONE, PARTIAL, PARTIAL, MISSED])
    decision = decide(protocol, Step(1), START, START + timedelta(days=14), sessions)
    assert decision.done == 4
    assert decision.action == "advance"


def test_continue_while_the_phase_runs(protocol: Protocol) -> None:
    sessions = two_weeks([DONE, DONE, DONE, DONE])
    decision = decide(protocol, Step(1), START, START + timedelta(days=13), sessions)
    assert (decision.action, decision.phase_id) == ("continue", 1)
    assert not decision.starts_new_period
    assert decision.reason_key == "progression.continue"


def test_phase_3_runs_four_weeks_and_counts_at_least_its_minimum(protocol: Protocol) -> None:
    ended = START + timedelta(days=28)
    all_done = two_weeks([DONE] * 12)
    before_end = decide(protocol, Step(3), START, ended - timedelta(days=1), all_done)
    assert before_end.action == "continue"
    # The window is the 14 days before today (days 14–27): 6 Mon/Wed/Fri sessions recorded,
    # but phase 3 asks at least 4 a week, so 8 were prescribed.
    decision = decide(protocol, Step(3), START, ended, all_done)
    assert (decision.action, decision.done, decision.prescribed) == ("advance", 6, 8)
    five = two_weeks([DONE] * 6 + [DONE, DONE, DONE, DONE, DONE, MISSED])
    decision = decide(protocol, Step(3), START, ended, five)
    assert (decision.action, decision.done, decision.prescribed) == ("hold", 5, 8)


def test_an_empty_record_holds(protocol: Protocol) -> None:
    decision = decide(protocol, Step(1), START, START + timedelta(days=14), [])
    assert decision.action == "hold"
    assert decision.prescribed == 6


def test_three_misses_in_a_row_step_back(protocol: Protocol) -> None:
    sessions = two_weeks([DONE, DONE, DONE, SKIPPED, MISSED, MISSED])
    decision = decide(protocol, Step(2), START, START + timedelta(days=12), sessions)
    assert (decision.action, decision.phase_id) == ("step_back", 1)
    assert decision.open_barrier_conversation
    assert decision.misses_in_a_row == 3
    assert decision.reason_key == "progression.step_back"


def test_phase_1_steps_back_to_the_start_step_and_no_lower(protocol: Protocol) -> None:
    sessions = two_weeks([MISSED, MISSED, MISSED])
    decision = decide(protocol, Step(1), START, START + timedelta(days=5), sessions)
    assert (decision.action, decision.step) == ("step_back", Step(1, start_low=True))
    assert decision.open_barrier_conversation
    bottom = decide(protocol, Step(1, True), START, START + timedelta(days=5), sessions)
    assert (bottom.action, bottom.step) == ("step_back", Step(1, start_low=True))


def test_done_after_three_misses_still_steps_back(protocol: Protocol) -> None:
    """The run happened: pressing Done on the fourth session does not undo it."""
    sessions = two_weeks([DONE, MISSED, SKIPPED, MISSED, DONE])
    decision = decide(protocol, Step(2), START, START + timedelta(days=9), sessions)
    assert (decision.action, decision.step) == ("step_back", Step(1))
    assert decision.misses_in_a_row == 3


def test_start_step_advances_to_phase_1_by_the_same_gate(protocol: Protocol) -> None:
    sessions = two_weeks([DONE, DONE, MISSED, DONE, DONE, MISSED])
    decision = decide(protocol, Step(1, True), START, START + timedelta(days=14), sessions)
    assert (decision.action, decision.step) == ("advance", Step(1))


def test_clearance_hold_keeps_the_step_whatever_the_gate(protocol: Protocol) -> None:
    sessions = two_weeks([DONE] * 6)
    held = decide(
        protocol,
        Step(1, True),
        START,
        START + timedelta(days=14),
        sessions,
        hold_key="progression.hold_readiness",
    )
    assert (held.action, held.step, held.reason_key) == (
        "hold",
        Step(1, True),
        "progression.hold_readiness",
    )


def rated(statuses_and_rpe: list[tuple[SessionStatus, int]]) -> list[SessionOutcome]:
    offsets = [0, 2, 4, 7, 9, 11, 14, 16, 18, 21, 23, 25]
    return [
        SessionOutcome(START + timedelta(days=o), status, 40, rpe or None)
        for o, (status, rpe) in zip(offsets, statuses_and_rpe, strict=False)
    ]


def test_two_very_hard_in_a_row_hold_a_gate_meeting_patient(protocol: Protocol) -> None:
    sessions = rated([(DONE, 13)] * 4 + [(DONE, 17), (DONE, 17)])
    decision = decide(protocol, Step(1), START, START + timedelta(days=14), sessions)
    assert (decision.action, decision.reason_key) == ("hold", "progression.hold_very_hard")
    one_very_hard = rated([(DONE, 13)] * 5 + [(DONE, 17)])
    assert decide(protocol, Step(1), START, START + timedelta(days=14), one_very_hard).action == (
        "advance"
    )


def test_easy_lets_a_gate_meeting_patient_move_up_early(protocol: Protocol) -> None:
    """Phase 3 lasts four weeks; after two easy weeks with the gate met, step up now."""
    sessions = rated([(DONE, 13)] * 4 + [(DONE, 11), (DONE, 11)])
    decision = decide(protocol, Step(3), START, START + timedelta(days=14), sessions)
    assert (decision.action, decision.step, decision.reason_key) == (
        "advance",
        Step(4),
        "progression.advance_easy",
    )
    not_easy = rated([(DONE, 13)] * 6)
    assert decide(protocol, Step(3), START, START + timedelta(days=14), not_easy).action == (
        "continue"
    )
    too_few = rated([(MISSED, 0), (MISSED, 0), (DONE, 13), (MISSED, 0), (DONE, 11), (DONE, 11)])
    assert decide(protocol, Step(3), START, START + timedelta(days=14), too_few).action == (
        "continue"
    )


def test_a_partial_breaks_the_run_of_misses(protocol: Protocol) -> None:
    sessions = two_weeks([MISSED, MISSED, PARTIAL, MISSED, MISSED])
    decision = decide(protocol, Step(2), START, START + timedelta(days=10), sessions)
    assert decision.action == "continue"
    assert decision.misses_in_a_row == 2


def test_misses_before_the_phase_started_do_not_count_again(protocol: Protocol) -> None:
    sessions = two_weeks([MISSED, MISSED, MISSED])
    restarted = START + timedelta(days=5)
    decision = decide(protocol, Step(1), restarted, restarted + timedelta(days=1), sessions)
    assert decision.action == "continue"


def test_future_sessions_are_ignored(protocol: Protocol) -> None:
    sessions = two_weeks([DONE, MISSED, MISSED, MISSED])
    decision = decide(protocol, Step(2), START, START + timedelta(days=3), sessions)
    assert decision.action == "continue"


def test_phase_4_advances_to_maintenance_and_maintenance_steps_back_to_4(
    protocol: Protocol,
) -> None:
    sessions = two_weeks([DONE] * 6 + [MISSED, DONE, DONE, DONE, DONE, MISSED])
    ahead = decide(protocol, Step(4), START, START + timedelta(weeks=4), sessions)
    # phase 4 asks 4 a week: 8 over 14 days; 4 done of them → repeat phase 4.
    assert (ahead.action, ahead.phase_id) == ("hold", 4)
    busy = [SessionOutcome(START + timedelta(days=d), DONE, 50) for d in range(28)]
    assert decide(protocol, Step(4), START, START + timedelta(weeks=4), busy).phase_id is None
    missed = two_weeks([MISSED] * 3)
    back = decide(protocol, Step(None), START, START + timedelta(days=5), missed)
    assert (back.action, back.phase_id) == ("step_back", 4)
    later = decide(protocol, Step(None), START, START + timedelta(days=60), busy)
    assert later.action == "continue"


statuses = st.sampled_from(list(SessionStatus))


@given(record=st.lists(statuses, max_size=12), phase=st.sampled_from([1, 2, 3, 4, None]))
def test_decisions_are_consistent(
    protocol: Protocol, record: list[SessionStatus], phase: int | None
) -> None:
    decision = decide(protocol, Step(phase), START, START + timedelta(days=28), two_weeks(record))
    assert 0 <= decision.done <= decision.prescribed or decision.prescribed == 0
    if decision.action == "step_back":
        assert decision.open_barrier_conversation
        assert decision.misses_in_a_row >= 3
    else:
        assert not decision.open_barrier_conversation
    if decision.action == "advance":
        assert 3 * decision.done >= 2 * decision.prescribed
