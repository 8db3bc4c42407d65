"""The patient journey: from first contact through consent and onboarding to the programme."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from state_machines.engine import Flow


class JourneyState(Enum):
    NEW = "new"
    CONSENT = "consent"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"


S = JourneyState

TRANSITIONS = [
    {"trigger": "start", "source": [S.NEW, S.CONSENT], "dest": S.CONSENT},
    {"trigger": "agree", "source": S.CONSENT, "dest": S.ONBOARDING},
    {"trigger": "decline", "source": S.CONSENT, "dest": S.NEW},
    {"trigger": "complete_onboarding", "source": S.ONBOARDING, "dest": S.ACTIVE},
    {"trigger": "pause", "source": S.ACTIVE, "dest": S.PAUSED},
    {"trigger": "resume", "source": S.PAUSED, "dest": S.ACTIVE},
]

JOURNEY = Flow("journey", JourneyState, TRANSITIONS, S.NEW)


@dataclass
class JourneyModel:
    state: JourneyState

    @property
    def consented(self) -> bool:
        return self.state not in (S.NEW, S.CONSENT)
