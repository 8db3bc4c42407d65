"""The escalation lifecycle: open → notified → acknowledged → resolved (CLINICAL_SPEC 6, 7).

An alert is re-sent and escalated until a supervisor acknowledges, and only a resolution ends
it; nothing may leave RESOLVED.
"""

from __future__ import annotations

import pytest

from state_machines.engine import InvalidTransition
from state_machines.escalation import ESCALATION, EscalationModel, EscalationState

S = EscalationState
TRIGGERS = sorted({row["trigger"] for row in ESCALATION.transitions})


def test_lifecycle() -> None:
    model = EscalationModel(S.OPEN)
    assert model.state is S.OPEN
    seen = []
    for trigger in ("notify", "acknowledge", "resolve"):
        ESCALATION.fire(model, trigger)
        seen.append(model.state)
    assert seen == [S.NOTIFIED, S.ACKNOWLEDGED, S.RESOLVED]
    assert model.level == 0


@pytest.mark.parametrize("state", [S.OPEN, S.NOTIFIED])
def test_re_escalate_raises_the_level_each_time(state: EscalationState) -> None:
    model = EscalationModel(state)
    for level in (1, 2, 3):
        ESCALATION.fire(model, "re_escalate")
        assert (model.state, model.level) == (state, level)  # asked again is not received


@pytest.mark.parametrize("state", [S.ACKNOWLEDGED, S.RESOLVED])
def test_re_escalate_stops_once_acknowledged(state: EscalationState) -> None:
    model = EscalationModel(state, level=2)
    with pytest.raises(InvalidTransition):
        ESCALATION.fire(model, "re_escalate")
    assert model == EscalationModel(state, level=2)


def test_remind_when_acknowledged_keeps_state_and_level() -> None:
    model = EscalationModel(S.ACKNOWLEDGED, level=1)
    ESCALATION.fire(model, "remind")
    assert model == EscalationModel(S.ACKNOWLEDGED, level=1)


@pytest.mark.parametrize("state", [S.OPEN, S.NOTIFIED, S.RESOLVED])
def test_remind_only_when_acknowledged(state: EscalationState) -> None:
    model = EscalationModel(state)
    with pytest.raises(InvalidTransition):
        ESCALATION.fire(model, "remind")
    assert model.state is state


@pytest.mark.parametrize("state", [S.NOTIFIED, S.ACKNOWLEDGED])
def test_notify_again_is_an_internal_no_op(state: EscalationState) -> None:
    model = EscalationModel(state, level=1)
    ESCALATION.fire(model, "notify")
    assert model == EscalationModel(state, level=1)


@pytest.mark.parametrize("state", [S.OPEN, S.NOTIFIED, S.ACKNOWLEDGED])
def test_resolve_from_any_open_state(state: EscalationState) -> None:
    model = EscalationModel(state)
    ESCALATION.fire(model, "resolve")
    assert model.state is S.RESOLVED


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_nothing_leaves_resolved(trigger: str) -> None:
    model = EscalationModel(S.RESOLVED, level=2)
    with pytest.raises(InvalidTransition):
        ESCALATION.fire(model, trigger)
    assert model == EscalationModel(S.RESOLVED, level=2)
    assert ESCALATION.triggers_from(S.RESOLVED) == []


def test_acknowledge_is_refused_once_acknowledged() -> None:
    model = EscalationModel(S.ACKNOWLEDGED)
    with pytest.raises(InvalidTransition):
        ESCALATION.fire(model, "acknowledge")
    assert model.state is S.ACKNOWLEDGED
