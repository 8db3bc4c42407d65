"""After a crisis reply: "Are you safe right now?" and what each answer leads to.

The escalation itself is raised before this flow starts and only a supervisor closes it
(`escalation.py`); this table is only the patient's side. "I need help now" leads to HELP —
a different screen that says what to do now — never back to the same question.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from state_machines.engine import FlowTable
from state_machines.model import Versioned


class CrisisState(Enum):
    ASKED = "asked"
    HELP = "help"
    SAFE = "safe"


@dataclass
class CrisisModel(Versioned):
    """`trigger`: what raised the crisis reply (item9, risk_language, sos)."""

    state: CrisisState
    trigger: str = "sos"


S = CrisisState

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "safe", "source": [S.ASKED, S.HELP], "dest": S.SAFE},
    {"trigger": "need_help", "source": [S.ASKED, S.HELP], "dest": S.HELP},
]

CRISIS = FlowTable("crisis", CrisisState, TRANSITIONS, S.ASKED)
