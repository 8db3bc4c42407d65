"""Every transitions table Stride runs, by name: the diagram generator and the tests walk it."""

from __future__ import annotations

from state_machines.barrier import BARRIER
from state_machines.checkin import CHECKIN
from state_machines.crisis import CRISIS
from state_machines.engine import FlowTable
from state_machines.escalation import ESCALATION
from state_machines.journey import JOURNEY
from state_machines.mood import MOOD
from state_machines.onboarding import ONBOARDING
from state_machines.question import QUESTION
from state_machines.safety_plan import SAFETY_PLAN
from state_machines.session import SESSION
from state_machines.settings import SETTINGS

FLOWS: dict[str, FlowTable] = {
    table.name: table
    for table in (
        JOURNEY,
        ONBOARDING,
        CHECKIN,
        SESSION,
        BARRIER,
        SAFETY_PLAN,
        SETTINGS,
        MOOD,
        CRISIS,
        QUESTION,
        ESCALATION,
    )
}
