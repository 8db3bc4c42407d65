"""A one-question flow: asked, then answered once. Pause (and any short interruption that
needs one tap, such as a direct Yes / Not sure / No question) runs on this table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of
from state_machines.model import Versioned


class QuestionState(Enum):
    ASKED = "asked"
    ANSWERED = "answered"


@dataclass
class QuestionModel(Versioned):
    state: QuestionState
    answer: str | None = None


def keep_answer(event: EventData) -> None:
    model_of(event, QuestionModel).answer = str(event.kwargs["value"])


TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": "answer",
        "source": QuestionState.ASKED,
        "dest": QuestionState.ANSWERED,
        "before": [keep_answer],
    },
]

QUESTION = FlowTable("question", QuestionState, TRANSITIONS, QuestionState.ASKED)
