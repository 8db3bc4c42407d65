"""A questionnaire check-in: one item at a time, a way back, safety before everything.

A positive answer on the safety item stops the check-in at once (SAFETY_STOP) so the safety
protocol starts before any further question is asked (CLINICAL_SPEC 1 and 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import Flow, model_of


class CheckinState(Enum):
    ASKING = "asking"
    DIFFICULTY = "difficulty"
    COMPLETE = "complete"
    SAFETY_STOP = "safety_stop"


@dataclass
class CheckinModel:
    """Everything needed to resume a check-in exactly where it stopped."""

    state: CheckinState
    item_ids: list[str]
    safety_item: str | None
    safety_threshold: int
    cursor: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    difficulty: int | None = None

    @property
    def current_item(self) -> str:
        return self.item_ids[self.cursor]

    def to_data(self) -> dict[str, Any]:
        return {
            "cursor": self.cursor,
            "answers": dict(self.answers),
            "difficulty": self.difficulty,
        }


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

CHECKIN = Flow("checkin", CheckinState, TRANSITIONS, S.ASKING)
