"""/mood: a 0–10 rating; the day's first low one offers one small step (behavioural activation)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of
from state_machines.model import Versioned


class MoodState(Enum):
    ASK = "ask"
    OFFER = "offer"
    RATED = "rated"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass
class MoodModel(Versioned):
    state: MoodState
    score: int | None = None
    # Opened by the daily mood check: a low rating gets the just-in-time activity offer.
    check: bool = False


def keep_score(event: EventData) -> None:
    model_of(event, MoodModel).score = int(event.kwargs["value"])


def offer_due(event: EventData) -> bool:
    """The dialog knows the day's earlier ratings; it passes `offer=True` when one is due."""
    return bool(event.kwargs.get("offer"))


S = MoodState

TRANSITIONS: list[dict[str, Any]] = [
    {
        "trigger": "rate",
        "source": S.ASK,
        "dest": S.OFFER,
        "conditions": [offer_due],
        "before": [keep_score],
    },
    {"trigger": "rate", "source": S.ASK, "dest": S.RATED, "before": [keep_score]},
    {"trigger": "accept", "source": S.OFFER, "dest": S.ACCEPTED},
    {"trigger": "decline", "source": S.OFFER, "dest": S.DECLINED},
]

MOOD = FlowTable("mood", MoodState, TRANSITIONS, S.ASK)
