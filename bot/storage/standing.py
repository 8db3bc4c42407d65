"""A patient's standing with the programme: consent withdrawn, renewed, or discharged.

Each is one transaction that sets the date on the patient row, drops nudges still planned
for them (the planner skips them from then on: see `NudgesMixin.nudge_states`) and audits
who did it. Records are kept (per `RETENTION_DAYS`); erasure is `bot.storage.erasure`.
The callers — the chat handlers — reply to the patient and tell the care team, with the
texts of `messages/*/data_rights.yaml`; what they need for that is returned here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import AuditRow, ConsentRow, EscalationRow, PatientRow
from bot.storage.nudge_models import NudgeSlotRow
from bot.storage.repository import Store

PLANNED = "planned"
RESOLVED = "resolved"


@dataclass(frozen=True)
class StandingChange:
    patient_code: str
    changed: bool
    """False if it was already so (a repeated command changes nothing)."""
    open_escalations: list[int] = field(default_factory=list)
    """Unresolved alerts: they stay open with the care team, who must be told."""
    nudges_dropped: int = 0


async def _patient(session: AsyncSession, patient_id: int) -> PatientRow:
    patient = await session.get(PatientRow, patient_id, with_for_update=True)
    if patient is None:
        raise LookupError(f"no patient {patient_id}")
    return patient


async def _drop_planned_nudges(session: AsyncSession, patient_id: int) -> int:
    result = await session.execute(
        delete(NudgeSlotRow)
        .where(NudgeSlotRow.patient_id == patient_id, NudgeSlotRow.status == PLANNED)
        .returning(NudgeSlotRow.id)
    )
    return len(result.all())


async def _open_escalations(session: AsyncSession, patient_id: int) -> list[int]:
    rows = await session.scalars(
        select(EscalationRow.id)
        .where(EscalationRow.patient_id == patient_id, EscalationRow.state != RESOLVED)
        .order_by(EscalationRow.id)
    )
    return list(rows)


def _audit(action: str, actor: str, code: str, now: dt.datetime, **details: object) -> AuditRow:
    return AuditRow(at=now, actor=actor, action=action, subject=code, details=dict(details))


async def withdraw_consent(store: Store, patient_id: int, now: dt.datetime) -> StandingChange:
    """The patient withdraws consent: nothing more is sent to them (except the reply to this
    request, which the caller sends), and the care team is told (with any open alerts)."""
    async with AsyncSession(store.engine, expire_on_commit=False) as session, session.begin():
        patient = await _patient(session, patient_id)
        open_ids = await _open_escalations(session, patient_id)
        if patient.consent_withdrawn_at is not None:
            return StandingChange(patient.code, False, open_ids)
        patient.consent_withdrawn_at = now
        dropped = await _drop_planned_nudges(session, patient_id)
        session.add(
            _audit(
                "consent.withdrawn",
                f"patient:{patient.code}",
                patient.code,
                now,
                open_escalations=open_ids,
            )
        )
        return StandingChange(patient.code, True, open_ids, dropped)


async def renew_consent(
    store: Store, patient_id: int, what: str, version: str, now: dt.datetime
) -> StandingChange:
    """The patient agrees (again): a consent record of `version`, and a withdrawal lifted."""
    async with AsyncSession(store.engine, expire_on_commit=False) as session, session.begin():
        patient = await _patient(session, patient_id)
        changed = patient.consent_withdrawn_at is not None
        patient.consent_withdrawn_at = None
        session.add(ConsentRow(patient_id=patient_id, what=what, version=version, accepted_at=now))
        session.add(
            _audit(
                "consent.accepted", f"patient:{patient.code}", patient.code, now, version=version
            )
        )
        return StandingChange(patient.code, changed)


async def discharge(
    store: Store,
    patient_id: int,
    supervisor_id: int,
    supervisors: Collection[int],
    now: dt.datetime,
) -> StandingChange:
    """A supervisor discharges a patient: no more nudges; records kept per retention.

    Only configured supervisors may: anyone else gets `PermissionError` and nothing changes.
    Open alerts are not closed by a discharge; they are returned so the supervisor sees them.
    """
    if supervisor_id not in supervisors:
        raise PermissionError(f"{supervisor_id} is not a configured supervisor")
    async with AsyncSession(store.engine, expire_on_commit=False) as session, session.begin():
        patient = await _patient(session, patient_id)
        open_ids = await _open_escalations(session, patient_id)
        if patient.discharged_at is not None:
            return StandingChange(patient.code, False, open_ids)
        patient.discharged_at = now
        dropped = await _drop_planned_nudges(session, patient_id)
        session.add(
            _audit(
                "patient.discharged",
                f"supervisor:{supervisor_id}",
                patient.code,
                now,
                open_escalations=open_ids,
            )
        )
        return StandingChange(patient.code, True, open_ids, dropped)
