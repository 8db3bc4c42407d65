"""Escalations as the supervisor loop sees them: open, due, acknowledged, resolved.

Rows are created by `save` (in the transaction of the answer that raised them); here they
are read, and their lifecycle fields written back after the escalation machine moved them.
"Not resolved" is the only state storage interprets; the lifecycle belongs to
`state_machines.escalation`.
"""

from __future__ import annotations

import copy
import datetime as dt

from sqlalchemy import Select, select

from bot.storage import convert
from bot.storage.models import EscalationRow, PatientRow
from bot.storage.scope import SessionScope
from dialogs.records import Escalation, EscalationRequest
from state_machines.escalation import EscalationState

OPEN = EscalationState.OPEN.value
RESOLVED = EscalationState.RESOLVED.value


def new_escalation_row(
    patient_id: int, request: EscalationRequest, now: dt.datetime
) -> EscalationRow:
    """An escalation as raised: open, level 0, its first action (notify) due at once."""
    return EscalationRow(
        patient_id=patient_id,
        trigger=request.trigger.value,
        priority=request.priority.value,
        state=OPEN,
        details=copy.deepcopy(request.details),
        created_at=now,
        level=0,
        next_action_at=now,
    )


def _with_code() -> Select[EscalationRow, str]:
    return select(EscalationRow, PatientRow.code).join(
        PatientRow, PatientRow.id == EscalationRow.patient_id
    )


class EscalationsMixin(SessionScope):
    async def escalation(
        self, escalation_id: int, *, for_update: bool = False
    ) -> Escalation | None:
        """One escalation; `for_update` locks its row (PostgreSQL) until the transaction ends,
        so a supervisor's acknowledgement and the relay's timer never overwrite each other."""
        query = _with_code().where(EscalationRow.id == escalation_id)
        if for_update:
            query = query.with_for_update(of=EscalationRow)
        result = await self._session.execute(query)
        found = result.first()
        return None if found is None else convert.escalation_from_row(*found)

    async def open_escalations(self) -> list[Escalation]:
        """Every escalation not yet resolved, oldest first."""
        return await self._escalations(
            _with_code()
            .where(EscalationRow.state != RESOLVED)
            .order_by(EscalationRow.created_at, EscalationRow.id)
        )

    async def escalations_for_patient(
        self, patient_id: int, *, for_update: bool = False
    ) -> list[Escalation]:
        query = (
            _with_code()
            .where(EscalationRow.patient_id == patient_id)
            .order_by(EscalationRow.created_at, EscalationRow.id)
        )
        if for_update:
            query = query.with_for_update(of=EscalationRow)
        return await self._escalations(query)

    async def due_escalations(self, now: dt.datetime) -> list[Escalation]:
        """Unresolved escalations whose next action (notify, re-escalate, remind) is due."""
        return await self._escalations(
            _with_code()
            .where(EscalationRow.state != RESOLVED, EscalationRow.next_action_at <= now)
            .order_by(EscalationRow.next_action_at, EscalationRow.id)
        )

    async def update_escalation(self, escalation: Escalation) -> None:
        """Write back the lifecycle fields; trigger, priority and details never change."""
        row = await self._session.get(EscalationRow, escalation.id)
        if row is None:
            raise LookupError(f"no escalation {escalation.id}")
        convert.apply_escalation(row, escalation)

    async def _escalations(self, query: Select[EscalationRow, str]) -> list[Escalation]:
        result = await self._session.execute(query)
        return [convert.escalation_from_row(row, code) for row, code in result]
