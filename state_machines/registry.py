"""Every flow Stride runs, by name: the diagram generator and the tests walk this list."""

from __future__ import annotations

from state_machines.barrier import BARRIER
from state_machines.checkin import CHECKIN
from state_machines.engine import Flow
from state_machines.escalation import ESCALATION
from state_machines.journey import JOURNEY
from state_machines.onboarding import ONBOARDING
from state_machines.safety_plan import SAFETY_PLAN
from state_machines.session import SESSION

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (JOURNEY, ONBOARDING, CHECKIN, SESSION, BARRIER, SAFETY_PLAN, ESCALATION)
}
