"""Onboarding: the profile questions in order, after consent.

The order is data: a clinician can reorder by editing STEPS. Each step is asked by a dialog
and advanced with `next`; nothing skips a step because there are no auto transitions.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import Enum

from state_machines.engine import Flow


class OnboardingStep(Enum):
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
    TIMEZONE = "timezone"
    DONE = "done"


STEPS = list(OnboardingStep)

TRANSITIONS = [
    {"trigger": "next", "source": here, "dest": following}
    for here, following in itertools.pairwise(STEPS)
]

ONBOARDING = Flow("onboarding", OnboardingStep, TRANSITIONS, OnboardingStep.BASELINE)


@dataclass
class OnboardingModel:
    state: OnboardingStep
