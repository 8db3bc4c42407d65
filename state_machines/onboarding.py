"""Onboarding: the profile questions in order, after consent.

The order is data: a clinician can reorder by editing STEPS. Each step is asked by a dialog
and advanced with `next`; nothing skips a step because there are no auto transitions.

The timezone comes first: it tells Stride the patient's country, so if the baseline PHQ-9's
item 9 is positive the crisis reply already names the right emergency number and lines.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of
from state_machines.model import Versioned


class OnboardingStep(Enum):
    TIMEZONE = "timezone"
    BASELINE = "baseline"
    READINESS = "readiness"
    AGE = "age"
    RESTING_HR = "resting_hr"
    BETA_BLOCKERS = "beta_blockers"
    ACTIVITY = "activity"
    MODALITIES = "modalities"
    CONDITIONS = "conditions"
    VALUES = "values"
    BARRIERS = "barriers"
    DAYS = "days"
    TIME = "time"
    # Optional: share a phone number with the care team (dialogs/phone.py), after the profile.
    PHONE = "phone"
    DONE = "done"


STEPS = list(OnboardingStep)


@dataclass
class OnboardingModel(Versioned):
    """Where onboarding stands. `readiness_index` is the readiness question being asked,
    `selected` the choices ticked so far on a multi-choice step.

    Version 1 (the first release) asked the timezone last. A conversation stored then
    (`timezone_last`) keeps that order: after the time comes the timezone, then DONE, so a
    patient caught mid-way by the upgrade is asked everything exactly once.
    """

    VERSION = 2

    state: OnboardingStep
    readiness_index: int = 0
    selected: list[str] = field(default_factory=list)
    timezone_last: bool = False

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        return {**data, "timezone_last": True}


def answered_the_rest(event: EventData) -> bool:
    return model_of(event, OnboardingModel).timezone_last


S = OnboardingStep

# Order matters: the guarded rows for conversations stored in the old order come first.
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "next", "source": S.TIME, "dest": S.TIMEZONE, "conditions": [answered_the_rest]},
    {
        "trigger": "next",
        "source": S.TIMEZONE,
        "dest": S.DONE,
        "conditions": [answered_the_rest],
    },
    *(
        {"trigger": "next", "source": here, "dest": following}
        for here, following in itertools.pairwise(STEPS)
    ),
]

ONBOARDING = FlowTable("onboarding", OnboardingStep, TRANSITIONS, OnboardingStep.TIMEZONE)
