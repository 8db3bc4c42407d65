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
    # Data erased on the patient's request; only a pseudonymous anchor row for kept
    # incidents remains (bot/storage/erasure.py). Nothing leaves this state.
    ERASED = "erased"


S = JourneyState

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "start", "source": [S.NEW, S.CONSENT], "dest": S.CONSENT},
    {"trigger": "agree", "source": S.CONSENT, "dest": S.ONBOARDING},
    {"trigger": "decline", "source": S.CONSENT, "dest": S.NEW},
    {"trigger": "complete_onboarding", "source": S.ONBOARDING, "dest": S.ACTIVE},
    {"trigger": "pause", "source": S.ACTIVE, "dest": S.PAUSED},
    {"trigger": "resume", "source": S.PAUSED, "dest": S.ACTIVE},
    {"trigger": "erase", "source": list(S), "dest": S.ERASED},
]

JOURNEY = FlowTable("journey", JourneyState, TRANSITIONS, S.NEW)


@dataclass
class JourneyModel:
    state: JourneyState

    @property
    def consented(self) -> bool:
        return consented(self.state)


def consented(state: JourneyState) -> bool:
    """Past the consent screen and still taking part: not NEW, CONSENT or ERASED."""
    return state not in (S.NEW, S.CONSENT, S.ERASED)
