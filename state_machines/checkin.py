"""A questionnaire check-in: one item at a time, a way back, safety before everything.

A positive answer on the safety item stops the check-in at once (SAFETY_STOP) so the safety
protocol starts before any further question is asked (CLINICAL_SPEC 1 and 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of
from state_machines.model import TRANSIENT, Versioned


class CheckinState(Enum):
    ASKING = "asking"
    DIFFICULTY = "difficulty"
    COMPLETE = "complete"
    SAFETY_STOP = "safety_stop"


@dataclass
class CheckinModel(Versioned):
    """Everything needed to resume a check-in exactly where it stopped.

    `kind` and `started_at` (ISO) describe the check-in for its record; the instrument's
    item ids and safety rule are transient: rebuilt from content every update.
    """

    state: CheckinState
    item_ids: list[str] = field(default_factory=list, metadata=TRANSIENT)
    safety_item: str | None = field(default=None, metadata=TRANSIENT)
    safety_threshold: int = field(default=1, metadata=TRANSIENT)
    cursor: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    difficulty: int | None = None
    kind: str = "on_demand"
    started_at: str = ""

    @property
    def current_item(self) -> str:
        return self.item_ids[self.cursor]


def record_answer(event: EventData) -> None:
    model = model_of(event, CheckinModel)
    model.answers[model.current_item] = int(event.kwargs["value"])


def safety_positive(event: EventData) -> bool:
    model = model_of(event, CheckinModel)
    if model.safety_item is None:
        return False
    return model.answers.get(model.safety_item, 0) >= model.safety_threshold


def more_items(event: EventData) -> bool:
    model = model_of(event, CheckinModel)
    return model.cursor + 1 < len(model.item_ids)


def can_go_back(event: EventData) -> bool:
    return model_of(event, CheckinModel).cursor > 0


def next_item(event: EventData) -> None:
    model_of(event, CheckinModel).cursor += 1


def previous_item(event: EventData) -> None:
    model_of(event, CheckinModel).cursor -= 1


def record_difficulty(event: EventData) -> None:
    model_of(event, CheckinModel).difficulty = int(event.kwargs["value"])


S = CheckinState

# Order matters: transitions of one trigger are tried top to bottom; the safety stop first.
TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": "answer",
        "source": S.ASKING,
        "dest": S.SAFETY_STOP,
        "prepare": [record_answer],
        "conditions": [safety_positive],
    },
    {
        "trigger": "answer",
        "source": S.ASKING,
        "dest": S.ASKING,
        "prepare": [record_answer],
        "conditions": [more_items],
        "after": [next_item],
    },
    {"trigger": "answer", "source": S.ASKING, "dest": S.DIFFICULTY, "prepare": [record_answer]},
    {
        "trigger": "back",
        "source": S.ASKING,
        "dest": S.ASKING,
        "conditions": [can_go_back],
        "after": [previous_item],
    },
    {"trigger": "back", "source": S.DIFFICULTY, "dest": S.ASKING},
    {
        "trigger": "rate_difficulty",
        "source": S.DIFFICULTY,
        "dest": S.COMPLETE,
        "before": [record_difficulty],
    },
]

CHECKIN = FlowTable("checkin", CheckinState, TRANSITIONS, S.ASKING)
