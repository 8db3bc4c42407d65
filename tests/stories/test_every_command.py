"""Every command in every state: it works, or says kindly why not, and loses no place.

The states are reached by replaying a patient's own presses through the real router (pure,
in memory); each command then runs on a copy of that state. A "story" in Python because it
is a product: 7 states × 15 commands.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from dialogs.commands import COMMANDS
from dialogs.context import DialogContext
from dialogs.events import Command, Event, Press, Text
from dialogs.flow import Flow
from dialogs.records import IDLE, Conversation
from dialogs.router import ALWAYS
from dialogs.state import Outcome, PatientState
from tests.dialogs.factories import deps, make_state, new_patient, run


def press(state: PatientState, value: str) -> Outcome:
    return run(state, Press(f"c:{state.conversation.seq}:{value}"))


def replay(state: PatientState, *events: Event | str) -> PatientState:
    """Strings are button values on the current question; events go in as they are."""
    for event in events:
        outcome = press(state, event) if isinstance(event, str) else run(state, event)
        assert outcome.replies, f"no reply to {event!r}"
    return state


def mid_onboarding() -> PatientState:
    state = new_patient()
    replay(state, Command("start"), Press("m:agree"), "o:Europe/London")
    replay(state, *["a0"] * 9, "d0", *["no"] * 7)
    assert (state.conversation.flow, state.conversation.state) == ("onboarding", "age")
    return state


def mid_checkin() -> PatientState:
    return replay(make_state(), Command("checkin"), "a1", "a2")


def mid_session() -> PatientState:
    return replay(make_state(), Command("today"), "done")


def paused() -> PatientState:
    return replay(make_state(), Command("pause"), "pause:7")


def crisis_open() -> PatientState:
    state = replay(make_state(), Command("today"), "done", Text("I want to die"))
    assert state.conversation.flow == Flow.CRISIS
    return state


STATES: dict[str, Callable[[], PatientState]] = {
    "before consent": new_patient,
    "mid-onboarding": mid_onboarding,
    "mid-check-in": mid_checkin,
    "mid-session": mid_session,
    "paused": paused,
    "crisis open": crisis_open,
    "idle": make_state,
}
BUILT = {name: build() for name, build in STATES.items()}


def flows_of(conversation: Conversation) -> list[str]:
    return [conversation.flow, *(frame.flow for frame in conversation.stack)]


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where", list(STATES))
def test_every_command_answers_in_every_state(where: str, command: str) -> None:
    state = copy.deepcopy(BUILT[where])
    outcome = run(state, Command(command))
    texts = deps().content.texts
    assert outcome.replies, f"/{command} {where}: no reply"
    for screen in outcome.replies:
        assert screen.render_text(texts, state.patient.language).strip()
        for key in screen.keys:
            assert texts.has(key), f"/{command} {where}: unknown text {key}"
    # The place is consistent: the running flow and every waiting one load their models.
    ctx = DialogContext(state=state, outcome=Outcome(), deps=deps())
    for frame_flow, frame_state, data in [
        (state.conversation.flow, state.conversation.state, state.conversation.data),
        *((f.flow, f.state, f.data) for f in state.conversation.stack),
    ]:
        if frame_flow != IDLE:
            ctx.dialog(Flow(frame_flow)).model_type.load(frame_state, data)
    if where == "mid-onboarding":
        assert Flow.ONBOARDING in flows_of(state.conversation), f"/{command} lost onboarding"
    if where == "before consent" and command not in ALWAYS:
        assert "consent.question" in [k for s in outcome.replies for k in s.keys]


def test_paused_today_says_paused_not_the_next_session() -> None:
    state = copy.deepcopy(BUILT["paused"])
    keys = [k for s in run(state, Command("today")).replies for k in s.keys]
    assert keys == ["flow.today_paused"]


def test_a_command_mid_onboarding_hands_back_to_the_same_question() -> None:
    state = copy.deepcopy(BUILT["mid-onboarding"])
    replay(state, Command("settings"))
    outcome = press(state, "close")
    keys = [k for s in outcome.replies for k in s.keys]
    assert keys[-2:] == ["onboarding.carry_on", "onboarding.ask.age"]
    assert (state.conversation.flow, state.conversation.state) == ("onboarding", "age")
