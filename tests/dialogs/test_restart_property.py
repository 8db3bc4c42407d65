"""Property: a restart at any step changes nothing. After every update the patient's place
is written out as storage writes it (JSON, the stack as `suspended`) and read back; the
conversation that continues from the copy behaves exactly as the one that never stopped.

Random walks press the buttons Stride shows, type answers and risk language, and send
commands, from a new patient (consent, onboarding) or an onboarded one (sessions, check-ins,
barrier talks, the safety plan, settings, mood, pause, crisis replies).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage.convert import stack_from_json, stack_to_json
from dialogs.context import DialogContext
from dialogs.events import Command, Event, Press, Text
from dialogs.flow import Flow
from dialogs.records import IDLE, Conversation
from dialogs.screens import Screen
from dialogs.state import Outcome, PatientState
from tests.dialogs.factories import deps, make_state, new_patient, run

TEXTS = ["hello", "35", "60", "7:30", "London", "5", "maybe", "I want to die", "kms", "20"]
COMMANDS = [
    "start",
    "today",
    "log",
    "checkin",
    "mood",
    "settings",
    "pause",
    "resume",
    "cancel",
    "sos",
    "safetyplan",
    "barrier",
    "help",
    "plan",
]


def restarted(state: PatientState) -> PatientState:
    """What a fresh process loads: the conversation through JSON, as the database keeps it."""
    copied = copy.deepcopy(state)
    conversation = state.conversation
    stored: dict[str, Any] = json.loads(
        json.dumps(
            {
                "flow": conversation.flow,
                "state": conversation.state,
                "data": conversation.data,
                "seq": conversation.seq,
                "suspended": stack_to_json(conversation.stack),
            }
        )
    )
    copied.conversation = Conversation(
        flow=stored["flow"],
        state=stored["state"],
        data=stored["data"],
        seq=stored["seq"],
        stack=stack_from_json(stored["suspended"]),
    )
    return copied


def assert_models_round_trip(state: PatientState) -> None:
    """Every flow's stored data, running or waiting, is exactly what its model dumps: loading
    it loses nothing, and the typed model it gives is the same after another round trip."""
    ctx = DialogContext(state=state, outcome=Outcome(), deps=deps())
    conversation = state.conversation
    frames = [(conversation.flow, conversation.state, conversation.data)]
    frames += [(f.flow, f.state, f.data) for f in conversation.stack]
    for flow, where, data in frames:
        if flow == IDLE:
            continue
        dialog = ctx.dialog(Flow(flow))
        transients = dialog.transients(ctx)
        model = dialog.model_type.load(where, data, **transients)
        assert model.dump() == data, flow
        assert dialog.model_type.load(model.state.value, model.dump(), **transients) == model


def observed(outcome: Outcome) -> list[Any]:
    """Everything a patient or the care team would notice about an update."""
    screens = [
        (tuple(s.keys), tuple(c.data for row in s.choices for c in row), s.edit)
        for s in outcome.replies
    ]
    return [
        screens,
        [type(r).__name__ for r in outcome.records],
        [(e.trigger, e.priority) for e in outcome.escalations],
        list(outcome.responses),
    ]


def buttons(replies: list[Screen]) -> list[str]:
    last = next((s for s in reversed(replies) if s.choices), None)
    return [c.data for row in (last.choices if last else ()) for c in row]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.booleans(), st.data())
def test_a_restart_at_any_step_changes_nothing(onboarded: bool, data: st.DataObject) -> None:
    start = make_state() if onboarded else new_patient()
    kept, reloaded = start, restarted(start)
    offered: list[str] = []
    for _ in range(data.draw(st.integers(5, 30))):
        kind = data.draw(st.sampled_from(["press", "press", "press", "text", "command"]))
        event: Event
        if kind == "press" and offered:
            event = Press(data.draw(st.sampled_from(offered)))
        elif kind == "text":
            event = Text(data.draw(st.sampled_from(TEXTS)))
        else:
            event = Command(data.draw(st.sampled_from(COMMANDS)))
        a, b = run(kept, event), run(reloaded, event)
        assert observed(a) == observed(b), event
        assert restarted(kept).conversation == restarted(reloaded).conversation
        assert_models_round_trip(reloaded)
        reloaded = restarted(reloaded)
        offered = buttons(a.replies) or offered
