"""The flow stack: interruptions return to the same place; hand-overs are declared."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dialogs.context import DialogContext
from dialogs.events import Command, Press, Text
from dialogs.flow import Flow
from dialogs.one_question import OneQuestionDialog
from dialogs.registry import DIALOGS, build_registry
from dialogs.router import handle
from dialogs.screens import say
from dialogs.state import Outcome, PatientState
from tests.dialogs.factories import deps, keys, make_state, new_patient, run


def press(state: PatientState, value: str) -> Outcome:
    return run(state, Press(f"c:{state.conversation.seq}:{value}"))


def place(state: PatientState) -> list[tuple[str, str]]:
    conversation = state.conversation
    return [(f.flow, f.state) for f in conversation.stack] + [
        (conversation.flow, conversation.state)
    ]


def test_settings_mid_baseline_keeps_the_baseline_and_its_answers() -> None:
    state = new_patient()
    run(state, Command("start"))
    run(state, Press("m:agree"))
    press(state, "o:Europe/London")
    press(state, "a2")
    press(state, "a1")
    run(state, Command("settings"))
    assert place(state) == [
        ("onboarding", "baseline"),
        ("checkin", "asking"),
        ("settings", "menu"),
    ]
    outcome = press(state, "close")
    assert "checkin.resuming" in keys(outcome)
    assert state.conversation.flow == "checkin"
    assert state.conversation.data["cursor"] == 2
    assert state.conversation.data["answers"] == {"phq9_1": 2, "phq9_2": 1}


def test_a_crisis_during_a_check_in_returns_to_the_same_item() -> None:
    state = make_state()
    run(state, Command("checkin"))
    press(state, "a0")
    outcome = run(state, Text("I want to kill myself"))
    assert [e.trigger.value for e in outcome.escalations] == ["risk_language"]
    assert place(state) == [("checkin", "asking"), ("crisis", "asked")]
    outcome = run(state, Press("m:safe"))
    assert keys(outcome)[:2] == ["safety.thanks_safe", "safety.team_still_in_touch"]
    assert "checkin.resuming" in keys(outcome)
    assert place(state) == [("checkin", "asking")]
    assert state.conversation.data["cursor"] == 1


def test_i_need_help_now_never_asks_the_same_question_again() -> None:
    state = make_state()
    run(state, Command("sos"))
    for _ in range(3):
        outcome = run(state, Press("m:help"))
        assert "safety.are_you_safe" not in keys(outcome)
        assert "flow.help_now" in keys(outcome)
        assert all(screen.urgent for screen in outcome.replies)
        assert [e.trigger.value for e in outcome.escalations] == ["sos"]


def test_a_hand_over_must_be_declared() -> None:
    state = make_state()
    run(state, Command("settings"))
    ctx = DialogContext(state=state, outcome=Outcome(), deps=deps())
    with pytest.raises(ValueError, match="hands over"):
        ctx.finish(then=Flow.BARRIER)


class DirectQuestion(OneQuestionDialog):
    """A one-question flow that interrupts and returns, as a risk "concern" check would."""

    flow = Flow.PAUSE  # borrowed: the test registry lists this dialog in pause's place
    interrupts = True
    prompt = ("safety.are_you_safe",)
    answers = (("yes", "common.yes"), ("not_sure", "common.not_sure"), ("no", "common.no"))

    def answered(self, ctx: DialogContext, answer: str) -> None:
        ctx.audit("concern.answered", answer=answer)
        ctx.show(say("safety.thanks_safe"))


def test_a_one_question_flow_interrupts_a_session_and_hands_it_back() -> None:
    dialogs: Any = tuple(DirectQuestion if d.flow is Flow.PAUSE else d for d in DIALOGS)
    custom = dataclasses.replace(deps(), flows=build_registry(dialogs))
    state = make_state()
    handle(state, Command("today"), custom)
    handle(state, Press(f"c:{state.conversation.seq}:done"), custom)
    assert state.conversation.state == "ask_minutes"
    ctx = DialogContext(state=state, outcome=Outcome(), deps=custom)
    ctx.start(Flow.PAUSE)
    assert keys(ctx.outcome) == ["safety.are_you_safe"]
    assert place(state) == [("session", "ask_minutes"), ("pause", "asked")]
    outcome = handle(state, Press(f"c:{state.conversation.seq}:not_sure"), custom)
    assert keys(outcome)[:2] == ["safety.thanks_safe", "flow.carry_on"]
    assert "today.ask_minutes" in keys(outcome)
    assert place(state) == [("session", "ask_minutes")]


def test_a_stored_place_that_no_longer_loads_is_dropped_kindly_not_stuck() -> None:
    state = make_state()
    run(state, Command("today"))
    run(state, Command("checkin"))
    state.conversation.data = {"cursor": "not a number", "answers": "broken"}
    outcome = press(state, "a1")
    assert keys(outcome)[0] == "common.stale_button"
    assert "today.heading" in keys(outcome)  # the session card waiting beneath, asked again
    assert place(state) == [("session", "offered")]
    assert "conversation.unreadable" in [getattr(r, "action", "") for r in outcome.records]
