"""Onboarding: every step in the declared order, one `next` at a time, nothing skipped."""

from __future__ import annotations

import pytest

from state_machines.engine import InvalidTransition
from state_machines.onboarding import ONBOARDING, STEPS, OnboardingModel, OnboardingStep


def test_next_visits_every_step_in_order() -> None:
    model = OnboardingModel(OnboardingStep.TIMEZONE)
    visited = [model.state]
    while model.state is not OnboardingStep.DONE:
        ONBOARDING.fire(model, "next")
        visited.append(model.state)
    assert visited == list(OnboardingStep)
    assert visited == STEPS


def test_the_timezone_comes_before_the_baseline() -> None:
    """The country (from the timezone) must be known if item 9 is positive at baseline."""
    assert STEPS.index(OnboardingStep.TIMEZONE) < STEPS.index(OnboardingStep.BASELINE)


def test_a_conversation_stored_in_the_old_order_asks_the_timezone_last_then_finishes() -> None:
    """The first release asked the timezone last; a patient mid-way keeps that order, so
    nothing is asked twice (the optional phone question, added later, is not asked)."""
    legacy = OnboardingModel.load("age", {"readiness_index": 6})  # no version: release 1
    assert legacy.timezone_last
    visited = [legacy.state]
    while legacy.state is not OnboardingStep.DONE:
        ONBOARDING.fire(legacy, "next")
        visited.append(legacy.state)
    rest = STEPS[STEPS.index(OnboardingStep.AGE) : STEPS.index(OnboardingStep.PHONE)]
    assert visited == [*rest, OnboardingStep.TIMEZONE, OnboardingStep.DONE]
    assert legacy.dump()["timezone_last"] is True


def test_starts_at_the_first_step_and_ends_at_done() -> None:
    assert ONBOARDING.initial is STEPS[0]
    assert STEPS[-1] is OnboardingStep.DONE


@pytest.mark.parametrize("step", STEPS[:-1])
def test_each_step_accepts_only_next_and_moves_one_step(step: OnboardingStep) -> None:
    assert ONBOARDING.triggers_from(step) == ["next"]
    model = OnboardingModel(step)
    ONBOARDING.fire(model, "next")
    assert model.state is STEPS[STEPS.index(step) + 1]


def test_each_step_has_exactly_one_way_out() -> None:
    """A second row from one step would let a guard or a bug branch past a question."""
    for step in STEPS[:-1]:
        rows = [
            row
            for row in ONBOARDING.transitions
            if row["source"] is step and not row.get("conditions")
        ]
        assert len(rows) == 1, step
    guarded = [row for row in ONBOARDING.transitions if row.get("conditions")]
    assert {row["source"] for row in guarded} == {OnboardingStep.TIME, OnboardingStep.TIMEZONE}


def test_done_is_final() -> None:
    assert ONBOARDING.triggers_from(OnboardingStep.DONE) == []
    model = OnboardingModel(OnboardingStep.DONE)
    with pytest.raises(InvalidTransition):
        ONBOARDING.fire(model, "next")
    assert model.state is OnboardingStep.DONE
