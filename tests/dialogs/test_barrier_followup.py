"""The answers to the barrier plan's "How did it go?" nudge (menu buttons)."""

from __future__ import annotations

from factories import NOW, keys, last, make_state, run

from dialogs.events import Press
from dialogs.records import AuditEvent, BarrierPlan
from dialogs.state import Outcome, PatientState


def _state() -> PatientState:
    state = make_state()
    state.barrier_plan = BarrierPlan("time", "time_access", "walk_10", "this_evening", NOW)
    return state


def _answers(outcome: Outcome) -> list[object]:
    return [
        r.details["answer"]
        for r in outcome.records
        if isinstance(r, AuditEvent) and r.action == "barrier.follow_up"
    ]


def test_done_thanks_and_offers_to_log_it() -> None:
    state = _state()
    outcome = run(state, Press("m:bfu:done"))
    assert keys(outcome) == ["barrier_followup.done"]
    assert [c.data for row in last(outcome).choices for c in row] == ["m:cmd:log"]
    assert _answers(outcome) == ["done"]
    assert state.conversation.flow == "idle"


def test_not_yet_is_fine() -> None:
    state = _state()
    outcome = run(state, Press("m:bfu:not_yet"))
    assert keys(outcome) == ["barrier_followup.not_yet"]
    assert _answers(outcome) == ["not_yet"]


def test_change_my_plan_reopens_the_plan_step_of_the_same_barrier() -> None:
    state = _state()
    outcome = run(state, Press("m:bfu:change"))
    assert last(outcome).keys == ["barrier.plan.what_question"]
    assert (state.conversation.flow, state.conversation.state) == ("barrier", "plan_what")
    assert state.conversation.data["barrier"] == "time"
    # Without a stored plan it starts from what got in the way.
    other = make_state()
    run(other, Press("m:bfu:change"))
    assert (other.conversation.flow, other.conversation.state) == ("barrier", "choose")


def test_an_unknown_answer_changes_nothing() -> None:
    state = _state()
    outcome = run(state, Press("m:bfu:maybe"))
    assert _answers(outcome) == []
    assert state.conversation.flow == "idle"
    assert "barrier_followup.done" not in keys(outcome)
