"""Conversations stored by the first release (hand-written dicts, no version) still work.

Each sample is what that release wrote into the conversation row for a patient mid-flow;
after the upgrade the patient's next answer must continue exactly there.
"""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.events import Press, Text
from dialogs.records import Conversation, Frame
from dialogs.state import PatientState
from state_machines.journey import JourneyState
from tests.dialogs.factories import keys, make_state, new_patient, run

LEGACY: list[tuple[str, str, dict[str, Any], str, str]] = [
    # flow, state, data, the patient's next input, the state it must lead to
    (
        "checkin",
        "asking",
        {
            "kind": "on_demand",
            "started_at": "2026-11-25T07:00:00+00:00",
            "cursor": 3,
            "answers": {"phq9_1": 1, "phq9_2": 1, "phq9_3": 0},
            "difficulty": None,
        },
        "press:a1",
        "checkin/asking",
    ),
    (
        "session",
        "ask_minutes",
        {
            "planned": True,
            "day": "2026-11-25",
            "modality": "aerobic",
            "planned_minutes": 20,
            "status": "done",
            "answers": {},
        },
        "text:25",
        "session/ask_exertion",
    ),
    (
        "barrier",
        "script",
        {
            "steps": 3,
            "step": 0,
            "barrier": "time",
            "what": None,
            "when": None,
            "script": "time_access",
        },
        "press:b0",
        "barrier/script",
    ),
    ("safety_plan", "editing", {"section": 2}, "press:next", "safety_plan/editing"),
    ("settings", "time", {}, "text:18:30", "settings/menu"),
    ("mood", "ask", {}, "text:7", "idle/idle"),
]


def give(state: PatientState, how: str) -> list[str]:
    kind, _, value = how.partition(":")
    event = Press(f"c:{state.conversation.seq}:{value}") if kind == "press" else Text(value)
    return keys(run(state, event))


@pytest.mark.parametrize("flow, where, data, answer, then", LEGACY, ids=[x[0] for x in LEGACY])
def test_a_first_release_conversation_continues(
    flow: str, where: str, data: dict[str, Any], answer: str, then: str
) -> None:
    state = make_state()
    state.conversation = Conversation(flow=flow, state=where, data=data, seq=5)
    shown = give(state, answer)
    refused = {"common.button_unknown", "common.use_buttons", "free_text.reask"}
    assert not (refused | {"free_text.reask_buttons"}) & set(shown)
    assert f"{state.conversation.flow}/{state.conversation.state}" == then
    if flow == "checkin":
        assert state.conversation.data["answers"]["phq9_4"] == 1
        assert state.conversation.data["cursor"] == 4


def test_first_release_onboarding_suspended_under_a_check_in_finishes_with_the_timezone() -> None:
    """It asked the timezone last: a patient mid-way answers the rest, then the timezone."""
    state = new_patient()
    state.patient.journey = JourneyState.ONBOARDING
    state.conversation = Conversation(flow="onboarding", state="time", data={}, seq=9)
    shown = give(state, "text:07:30")
    assert "onboarding.ask.timezone" in shown
    shown = give(state, "press:o:Europe/Madrid")
    assert "onboarding.done" in shown
    assert state.patient.journey is JourneyState.ACTIVE
    assert state.patient.timezone == "Europe/Madrid"


def test_the_first_releases_suspended_onboarding_resumes_after_the_check_in() -> None:
    state = new_patient()
    state.patient.journey = JourneyState.ONBOARDING
    state.conversation = Conversation(
        flow="checkin",
        state="difficulty",
        data={
            "kind": "on_demand",
            "started_at": "2026-11-25T07:00:00+00:00",
            "cursor": 8,
            "answers": {f"phq9_{i}": 0 for i in range(1, 10)},
            "difficulty": None,
        },
        seq=30,
        stack=[Frame("onboarding", "age", {})],
    )
    shown = give(state, "press:d0")
    assert shown[-2:] == ["onboarding.carry_on", "onboarding.ask.age"]
