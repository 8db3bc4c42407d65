"""The escalation lifecycle: open → notified → acknowledged → resolved.

Re-escalation and reminders are self-loops so the loop repeats until a supervisor resolves;
nothing the patient does can move an escalation (CLINICAL_SPEC 7).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from transitions import EventData

from state_machines.engine import FlowTable, model_of


class EscalationState(StrEnum):
    OPEN = "open"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass
class EscalationModel:
    state: EscalationState
    level: int = 0


def raise_level(event: EventData) -> None:
    model_of(event, EscalationModel).level += 1


S = EscalationState

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "notify", "source": S.OPEN, "dest": S.NOTIFIED},
    {"trigger": "notify", "source": [S.NOTIFIED, S.ACKNOWLEDGED], "dest": None},
    # Re-escalating raises the level but keeps the state: NOTIFIED means a supervisor has
    # actually received the alert (the relay's `notify`), never merely that one was asked.
    {"trigger": "re_escalate", "source": S.OPEN, "dest": S.OPEN, "after": [raise_level]},
    {"trigger": "re_escalate", "source": S.NOTIFIED, "dest": S.NOTIFIED, "after": [raise_level]},
    {"trigger": "acknowledge", "source": [S.OPEN, S.NOTIFIED], "dest": S.ACKNOWLEDGED},
    {"trigger": "remind", "source": S.ACKNOWLEDGED, "dest": S.ACKNOWLEDGED},
    {"trigger": "resolve", "source": [S.OPEN, S.NOTIFIED, S.ACKNOWLEDGED], "dest": S.RESOLVED},
]

ESCALATION = FlowTable("escalation", EscalationState, TRANSITIONS, S.OPEN)
