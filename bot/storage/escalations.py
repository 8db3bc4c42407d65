"""Escalations as the supervisor loop sees them: open, due, acknowledged, resolved.

Rows are created by `save` (in the transaction of the answer that raised them); here they
are read, and their lifecycle fields written back after the escalation machine moved them.
"Not resolved" is the only state storage interprets; the lifecycle belongs to
`state_machines.escalation`.

Incidents: a patient has at most one open incident, the first unresolved escalation with no
`incident_id`. A trigger raised while one is open is attached to it (`incident_id` names the
incident) and is never chased on its own, so the queries that drive alerts see incidents only.
The incident's own fields (outcome, reminders, who handles it, who has seen what) are read
and written here as an `IncidentInfo`, beside the `Escalation` record the lifecycle uses.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from bot.storage import convert
from bot.storage.care_models import CareMessageRow
from bot.storage.models import DeliveryRow, EscalationRow, PatientRow
from bot.storage.outbox import due_condition
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


@dataclass
class IncidentInfo:
    """An incident's grouping and handling fields (migration 0006)."""

    id: int
    triggers: list[Escalation] = field(default_factory=list)  # attached after the first
    outcome: str | None = None
    reminders: int = 0
    reminded_at: dt.datetime | None = None
    handler_id: int | None = None
    seen: dict[str, int] = field(default_factory=dict)

    @property
    def trigger_count(self) -> int:
        return 1 + len(self.triggers)

    def has_seen(self, supervisor_id: int) -> bool:
        """Has this supervisor seen every trigger the incident now holds?"""
        return self.seen.get(str(supervisor_id), 0) >= self.trigger_count


def _action_due(now: Any) -> ColumnElement[bool]:
    """An escalation whose next action (notify, re-escalate, remind) is due at `now`."""
    return and_(
        EscalationRow.state != RESOLVED,
        EscalationRow.incident_id.is_(None),
        EscalationRow.next_action_at <= now,
    )


_NOW = bindparam("now", type_=EscalationRow.__table__.c.next_action_at.type)
# Built once: the relay polls it every second (issue 17).
_RELAY_WORK_DUE = select(
    or_(
        exists().where(_action_due(_NOW)),
        exists().where(due_condition(DeliveryRow, _NOW, _NOW)),
        exists().where(due_condition(CareMessageRow, _NOW, _NOW)),
    )
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
            .where(EscalationRow.state != RESOLVED, EscalationRow.incident_id.is_(None))
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
            .where(_action_due(now))
            .order_by(EscalationRow.next_action_at, EscalationRow.id)
        )

    async def relay_work_due(self, now: dt.datetime) -> bool:
        """Whether the relay's tick has anything to do at `now`: an escalation's next action
        (`due_escalations`), an alert delivery or a relayed care message to send. One cheap
        statement for the relay's idle polls, instead of the three transactions of a tick."""
        return bool(await self._session.scalar(_RELAY_WORK_DUE, {"now": now}))

    async def update_escalation(self, escalation: Escalation) -> None:
        """Write back the lifecycle fields; trigger, priority and details never change."""
        row = await self._session.get(EscalationRow, escalation.id)
        if row is None:
            raise LookupError(f"no escalation {escalation.id}")
        convert.apply_escalation(row, escalation)

    async def open_incident(
        self, patient_id: int, *, exclude: int = 0, lock: bool = False
    ) -> Escalation | None:
        """The patient's open incident (other than escalation `exclude`), or None; `lock`
        holds its row (PostgreSQL) until the transaction ends, for a caller that writes."""
        query = (
            _with_code()
            .where(
                EscalationRow.patient_id == patient_id,
                EscalationRow.state != RESOLVED,
                EscalationRow.incident_id.is_(None),
                EscalationRow.id != exclude,
            )
            .order_by(EscalationRow.id)
            .limit(1)
        )
        if lock:
            query = query.with_for_update(of=EscalationRow)
        found = await self._escalations(query)
        return found[0] if found else None

    async def incidents_for_patient(self, patient_id: int) -> list[Escalation]:
        """Every incident of the patient (attached triggers left out), oldest first."""
        return await self._escalations(
            _with_code()
            .where(EscalationRow.patient_id == patient_id, EscalationRow.incident_id.is_(None))
            .order_by(EscalationRow.created_at, EscalationRow.id)
        )

    async def attach_trigger(self, escalation_id: int, incident_id: int) -> None:
        """Make escalation `escalation_id` one more trigger of incident `incident_id`."""
        await self._session.execute(
            update(EscalationRow)
            .where(EscalationRow.id == escalation_id)
            .values(incident_id=incident_id, next_action_at=None)
        )

    async def raise_priority(self, incident_id: int, priority: str) -> None:
        """A routine incident an urgent trigger joined becomes urgent."""
        await self._session.execute(
            update(EscalationRow).where(EscalationRow.id == incident_id).values(priority=priority)
        )

    async def incident_info(self, incident_id: int) -> IncidentInfo | None:
        row = await self._session.get(EscalationRow, incident_id)
        if row is None:
            return None
        triggers = await self._escalations(
            _with_code().where(EscalationRow.incident_id == incident_id).order_by(EscalationRow.id)
        )
        return IncidentInfo(
            id=row.id,
            triggers=triggers,
            outcome=row.outcome,
            reminders=row.reminders,
            reminded_at=row.reminded_at,
            handler_id=row.handler_id,
            seen=dict(row.seen or {}),
        )

    async def save_incident_info(self, info: IncidentInfo) -> None:
        """Write the incident's handling fields; the lifecycle goes via `update_escalation`."""
        await self._session.execute(
            update(EscalationRow)
            .where(EscalationRow.id == info.id)
            .values(
                outcome=info.outcome,
                reminders=info.reminders,
                reminded_at=info.reminded_at,
                handler_id=info.handler_id,
                seen=dict(info.seen),
            )
        )

    async def _escalations(self, query: Select[EscalationRow, str]) -> list[Escalation]:
        result = await self._session.execute(query)
        return [convert.escalation_from_row(row, code) for row, code in result]
