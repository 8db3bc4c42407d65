"""The barrier conversation: choose a barrier, read its script, make a tiny plan."""

from __future__ import annotations

import pytest

from state_machines.barrier import BARRIER, BarrierModel, BarrierState
from state_machines.engine import InvalidTransition

S = BarrierState


def chosen(steps: int, barrier: str = "no_time") -> BarrierModel:
    model = BarrierModel(S.CHOOSE)
    BARRIER.fire(model, "choose", barrier=barrier, script=f"{barrier}_script", steps=steps)
    return model


def test_choose_keeps_the_barrier_and_starts_the_script() -> None:
    model = chosen(3, "too_tired")
    assert model.state is S.SCRIPT
    assert (model.barrier, model.steps, model.step) == ("too_tired", 3, 0)


@pytest.mark.parametrize("steps", [1, 2, 3, 5])
def test_script_shows_each_step_then_continues_to_plan_what(steps: int) -> None:
    model = chosen(steps)
    shown = []
    while model.state is S.SCRIPT:
        shown.append(model.step)
        BARRIER.fire(model, "continue_script")
    assert shown == list(range(steps))
    assert model.state is S.PLAN_WHAT


def test_full_plan_is_kept() -> None:
    model = chosen(2)
    BARRIER.fire(model, "continue_script")
    BARRIER.fire(model, "continue_script")
    BARRIER.fire(model, "pick_what", value="walk 10 minutes")
    assert model.state is S.PLAN_WHEN
    BARRIER.fire(model, "pick_when", value="after lunch")
    assert model.state is S.PLANNED
    assert model.dump() == {
        "steps": 2,
        "step": 1,
        "barrier": "no_time",
        "what": "walk 10 minutes",
        "when": "after lunch",
        "script": "no_time_script",
        "short_activity": None,
        "v": 1,
    }
    assert BarrierModel.load(model.state.value, model.dump()) == model


@pytest.mark.parametrize("continues", [0, 1, 2])
def test_try_short_jumps_to_plan_when_keeping_what(continues: int) -> None:
    model = chosen(3)
    for _ in range(continues):
        BARRIER.fire(model, "continue_script")
    BARRIER.fire(model, "try_short", value="5 minute walk")
    assert model.state is S.PLAN_WHEN
    assert model.what == "5 minute walk"
    BARRIER.fire(model, "pick_when", value="now")
    assert model.state is S.PLANNED
    assert (model.what, model.when) == ("5 minute walk", "now")


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (S.CHOOSE, "continue_script"),
        (S.CHOOSE, "pick_what"),
        (S.SCRIPT, "pick_when"),
        (S.PLAN_WHAT, "continue_script"),
        (S.PLAN_WHAT, "try_short"),
        (S.PLAN_WHEN, "pick_what"),
        (S.PLANNED, "choose"),
        (S.PLANNED, "pick_when"),
    ],
)
def test_out_of_order_inputs_are_refused(state: BarrierState, trigger: str) -> None:
    model = BarrierModel(state)
    with pytest.raises(InvalidTransition):
        BARRIER.fire(model, trigger, value="x", barrier="x", steps=1)
    assert model == BarrierModel(state)


def test_planned_is_final() -> None:
    assert BARRIER.triggers_from(S.PLANNED) == []
