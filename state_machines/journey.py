"""The patient journey: from first contact through consent and onboarding to the programme."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from state_machines.engine import FlowTable


class JourneyState(StrEnum):
    NEW = "new"
    CONSENT = "consent"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"


S = JourneyState

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "start", "source": [S.NEW, S.CONSENT], "dest": S.CONSENT},
    {"trigger": "agree", "source": S.CONSENT, "dest": S.ONBOARDING},
    {"trigger": "decline", "source": S.CONSENT, "dest": S.NEW},
    {"trigger": "complete_onboarding", "source": S.ONBOARDING, "dest": S.ACTIVE},
    {"trigger": "pause", "source": S.ACTIVE, "dest": S.PAUSED},
    {"trigger": "resume", "source": S.PAUSED, "dest": S.ACTIVE},
]

JOURNEY = FlowTable("journey", JourneyState, TRANSITIONS, S.NEW)


@dataclass
class JourneyModel:
    state: JourneyState

    @property
    def consented(self) -> bool:
        return consented(self.state)


def consented(state: JourneyState) -> bool:
    """Past the consent screen: everything but NEW and CONSENT."""
    return state not in (S.NEW, S.CONSENT)
