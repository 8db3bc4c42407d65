"""Building or editing the patient's safety plan, one Stanley–Brown section at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of
from state_machines.model import TRANSIENT, Versioned


class SafetyPlanState(Enum):
    SHOWING = "showing"
    EDITING = "editing"
    SAVED = "saved"


@dataclass
class SafetyPlanModel(Versioned):
    state: SafetyPlanState
    sections: int = field(default=0, metadata=TRANSIENT)
    section: int = 0


def more_sections(event: EventData) -> bool:
    model = model_of(event, SafetyPlanModel)
    return model.section + 1 < model.sections


def next_section(event: EventData) -> None:
    model_of(event, SafetyPlanModel).section += 1


def first_section(event: EventData) -> None:
    model_of(event, SafetyPlanModel).section = 0


S = SafetyPlanState

TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": "edit",
        "source": [S.SHOWING, S.SAVED],
        "dest": S.EDITING,
        "before": [first_section],
    },
    {"trigger": "add_entry", "source": S.EDITING, "dest": None},
    {
        "trigger": "next_section",
        "source": S.EDITING,
        "dest": S.EDITING,
        "conditions": [more_sections],
        "after": [next_section],
    },
    {"trigger": "next_section", "source": S.EDITING, "dest": S.SAVED},
]

SAFETY_PLAN = FlowTable("safety_plan", SafetyPlanState, TRANSITIONS, S.SHOWING)
