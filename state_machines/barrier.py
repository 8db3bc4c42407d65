"""The barrier conversation: name what got in the way, one script, then a tiny plan."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of
from state_machines.model import Versioned


class BarrierState(Enum):
    CHOOSE = "choose"
    SCRIPT = "script"
    PLAN_WHAT = "plan_what"
    PLAN_WHEN = "plan_when"
    PLANNED = "planned"


@dataclass
class BarrierModel(Versioned):
    """`script` is the catalogue script chosen; `short_activity` names the short session
    offered on the way (for the plan's summary)."""

    state: BarrierState
    steps: int = 0
    step: int = 0
    barrier: str | None = None
    what: str | None = None
    when: str | None = None
    script: str | None = None
    short_activity: str | None = None


def more_steps(event: EventData) -> bool:
    model = model_of(event, BarrierModel)
    return model.step + 1 < model.steps


def keep_barrier(event: EventData) -> None:
    model = model_of(event, BarrierModel)
    model.barrier = event.kwargs["barrier"]
    model.script = event.kwargs["script"]
    model.steps = int(event.kwargs["steps"])
    model.step = 0


def next_step(event: EventData) -> None:
    model_of(event, BarrierModel).step += 1


def keep_what(event: EventData) -> None:
    model_of(event, BarrierModel).what = event.kwargs["value"]


def keep_when(event: EventData) -> None:
    model_of(event, BarrierModel).when = event.kwargs["value"]


S = BarrierState

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "choose", "source": S.CHOOSE, "dest": S.SCRIPT, "before": [keep_barrier]},
    {
        "trigger": "continue_script",
        "source": S.SCRIPT,
        "dest": S.SCRIPT,
        "conditions": [more_steps],
        "after": [next_step],
    },
    {"trigger": "continue_script", "source": S.SCRIPT, "dest": S.PLAN_WHAT},
    {"trigger": "try_short", "source": S.SCRIPT, "dest": S.PLAN_WHEN, "before": [keep_what]},
    {"trigger": "pick_what", "source": S.PLAN_WHAT, "dest": S.PLAN_WHEN, "before": [keep_what]},
    {"trigger": "pick_when", "source": S.PLAN_WHEN, "dest": S.PLANNED, "before": [keep_when]},
]

BARRIER = FlowTable("barrier", BarrierState, TRANSITIONS, S.CHOOSE)
