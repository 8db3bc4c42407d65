"""The safety plan: the Stanley–Brown sections one at a time, then saved (CLINICAL_SPEC 6)."""

from __future__ import annotations

import pytest

from state_machines.engine import InvalidTransition
from state_machines.safety_plan import SAFETY_PLAN, SafetyPlanModel, SafetyPlanState

S = SafetyPlanState
STANLEY_BROWN_SECTIONS = 7


@pytest.mark.parametrize("sections", [1, 2, STANLEY_BROWN_SECTIONS])
def test_sections_loop_in_order_then_saved(sections: int) -> None:
    model = SafetyPlanModel(S.SHOWING, sections=sections)
    assert model.state is S.SHOWING
    SAFETY_PLAN.fire(model, "edit")
    visited: list[int] = []
    while model.state is S.EDITING:
        visited.append(model.section)
        SAFETY_PLAN.fire(model, "next_section")
    assert visited == list(range(sections))
    assert model.state is S.SAVED


def test_add_entry_stays_on_the_same_section() -> None:
    model = SafetyPlanModel(S.SHOWING, sections=STANLEY_BROWN_SECTIONS)
    SAFETY_PLAN.fire(model, "edit")
    SAFETY_PLAN.fire(model, "next_section")
    for _ in range(3):
        SAFETY_PLAN.fire(model, "add_entry")
        assert (model.state, model.section) == (S.EDITING, 1)


def test_editing_a_saved_plan_starts_at_the_first_section() -> None:
    model = SafetyPlanModel(S.SAVED, sections=STANLEY_BROWN_SECTIONS, section=6)
    SAFETY_PLAN.fire(model, "edit")
    assert (model.state, model.section) == (S.EDITING, 0)


@pytest.mark.parametrize("state", [S.SHOWING, S.SAVED])
@pytest.mark.parametrize("trigger", ["add_entry", "next_section"])
def test_entries_only_while_editing(state: SafetyPlanState, trigger: str) -> None:
    model = SafetyPlanModel(state, sections=STANLEY_BROWN_SECTIONS)
    with pytest.raises(InvalidTransition):
        SAFETY_PLAN.fire(model, trigger)
    assert model == SafetyPlanModel(state, sections=STANLEY_BROWN_SECTIONS)


def test_edit_is_refused_while_editing() -> None:
    model = SafetyPlanModel(S.EDITING, sections=STANLEY_BROWN_SECTIONS, section=4)
    with pytest.raises(InvalidTransition):
        SAFETY_PLAN.fire(model, "edit")
    assert model.section == 4
