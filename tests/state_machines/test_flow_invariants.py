"""Properties every declared flow must keep, checked generically over the registry.

Each flow is a table; these tests read the table itself, so a new flow added to the registry
is covered without writing anything here.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest

from state_machines.barrier import BarrierState
from state_machines.checkin import CheckinState
from state_machines.crisis import CrisisState
from state_machines.engine import FlowTable, InvalidTransition
from state_machines.escalation import EscalationState
from state_machines.journey import JourneyState
from state_machines.mood import MoodState
from state_machines.onboarding import OnboardingStep
from state_machines.question import QuestionState
from state_machines.registry import FLOWS
from state_machines.safety_plan import SafetyPlanState
from state_machines.session import SessionState
from state_machines.settings import SettingsState

FLOW_NAMES = sorted(FLOWS)


@dataclass
class Bare:
    """The least a flow needs to run: a state. Enough for triggers that carry no callbacks."""

    state: Enum


def sources(row: dict[str, Any]) -> list[Enum]:
    source = row["source"]
    return list(source) if isinstance(source, list) else [source]


def reachable(flow: FlowTable, skip_triggers: frozenset[str] = frozenset()) -> set[Enum]:
    """States reachable from the initial state by following the table (guards ignored)."""
    seen = {flow.initial}
    queue = deque([flow.initial])
    while queue:
        here = queue.popleft()
        for row in flow.transitions:
            if row["trigger"] in skip_triggers or here not in sources(row):
                continue
            dest = row["dest"] if row["dest"] is not None else here
            if dest not in seen:
                seen.add(dest)
                queue.append(dest)
    return seen


def test_registry_lists_every_flow_under_its_own_name() -> None:
    assert set(FLOWS) == {
        "journey",
        "onboarding",
        "checkin",
        "session",
        "barrier",
        "safety_plan",
        "settings",
        "mood",
        "crisis",
        "question",
        "escalation",
    }
    for name, flow in FLOWS.items():
        assert flow.name == name


def test_each_flow_starts_where_its_conversation_starts() -> None:
    assert {name: flow.initial for name, flow in FLOWS.items()} == {
        "journey": JourneyState.NEW,
        "onboarding": OnboardingStep.TIMEZONE,
        "checkin": CheckinState.ASKING,
        "session": SessionState.OFFERED,
        "barrier": BarrierState.CHOOSE,
        "safety_plan": SafetyPlanState.SHOWING,
        "settings": SettingsState.MENU,
        "mood": MoodState.ASK,
        "crisis": CrisisState.ASKED,
        "question": QuestionState.ASKED,
        "escalation": EscalationState.OPEN,
    }


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_table_only_names_states_of_its_own_enum(name: str) -> None:
    flow = FLOWS[name]
    assert flow.initial in flow.states
    for row in flow.transitions:
        assert all(source in flow.states for source in sources(row)), row
        assert row["dest"] is None or row["dest"] in flow.states, row


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_no_auto_transitions_exist(name: str) -> None:
    """With auto transitions a dialog bug could jump to any state, skipping items or steps."""
    flow = FLOWS[name]
    declared = {row["trigger"] for row in flow.transitions}
    for state in flow.states:
        triggers = flow.triggers_from(state)
        assert not [t for t in triggers if t.startswith("to_")], (state, triggers)
        assert set(triggers) <= declared, (state, triggers)


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_to_state_triggers_are_refused(name: str) -> None:
    flow = FLOWS[name]
    for here in flow.states:
        for target in flow.states:
            model = Bare(here)
            with pytest.raises(InvalidTransition):
                flow.fire(model, f"to_{target.name}")
            assert model.state is here


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_every_state_is_reachable_from_the_initial_state(name: str) -> None:
    flow = FLOWS[name]
    missing = set(flow.states) - reachable(flow)
    assert not missing, f"{name}: unreachable from {flow.initial.name}: " + ", ".join(
        sorted(state.name for state in missing)
    )
