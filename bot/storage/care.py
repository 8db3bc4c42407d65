"""Storage for the care team's side: patient cards, invites, pending supervisor input,
plan adjustments and supervisors' preferences. Plain dataclasses in and out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from bot.storage.care_models import CareSessionRow, InviteRow, PlanAdjustmentRow, SupervisorRow
from bot.storage.models import AuditRow, BarrierPlanRow, PatientRow, ProfileRow
from bot.storage.scope import SessionScope


@dataclass(frozen=True)
class PatientCard:
    """What a supervisor may see about who a patient is: the pseudonymous code and what the
    clinic chose to attach. Never a name."""

    id: int
    code: str
    chat_id: int
    language: str
    country: str
    timezone: str
    journey: str
    clinic_ref: str | None = None
    clinician_id: int | None = None
    phone: str | None = None
    discharged_at: dt.datetime | None = None
    created_at: dt.datetime | None = None


@dataclass(frozen=True)
class BarrierPlanView:
    barrier: str
    what: str
    when: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Invite:
    code: str
    clinic_ref: str
    clinician_id: int | None
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None
    patient_id: int | None = None

    def usable(self, now: dt.datetime) -> bool:
        return self.used_at is None and now < self.expires_at


@dataclass(frozen=True)
class CareSession:
    """What a supervisor's next message means: "note" (for a resolution) or "message"."""

    supervisor_id: int
    kind: str
    patient_id: int
    escalation_id: int | None
    outcome: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class PlanAdjustment:
    kind: str
    value: dict[str, Any]
    reason: str
    by: int
    at: dt.datetime


@dataclass(frozen=True)
class SupervisorPrefs:
    telegram_id: int
    language: str
    timezone: str
    name: str | None = None


def _card(row: PatientRow) -> PatientCard:
    return PatientCard(
        id=row.id,
        code=row.code,
        chat_id=row.chat_id,
        language=row.language,
        country=row.country,
        timezone=row.timezone,
        journey=row.journey,
        clinic_ref=row.clinic_ref,
        clinician_id=row.clinician_id,
        phone=row.phone,
        discharged_at=row.discharged_at,
        created_at=row.created_at,
    )


def _invite(row: InviteRow) -> Invite:
    return Invite(
        code=row.code,
        clinic_ref=row.clinic_ref,
        clinician_id=row.clinician_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        patient_id=row.patient_id,
    )


class CareMixin(SessionScope):
    # ---------------------------------------------------------------- patients
    async def patient_card(self, patient_id: int) -> PatientCard | None:
        row = await self._session.get(PatientRow, patient_id)
        return None if row is None else _card(row)

    async def patient_card_by_code(self, code: str) -> PatientCard | None:
        row = await self._session.scalar(select(PatientRow).where(PatientRow.code == code))
        return None if row is None else _card(row)

    async def patient_card_by_telegram(self, telegram_id: int) -> PatientCard | None:
        row = await self._session.scalar(
            select(PatientRow).where(PatientRow.telegram_id == telegram_id)
        )
        return None if row is None else _card(row)

    async def patient_cards(self) -> list[PatientCard]:
        rows = await self._session.scalars(select(PatientRow).order_by(PatientRow.id))
        return [_card(row) for row in rows]

    async def barrier_plans(self, patient_id: int) -> list[BarrierPlanView]:
        rows = await self._session.scalars(
            select(BarrierPlanRow)
            .where(BarrierPlanRow.patient_id == patient_id)
            .order_by(BarrierPlanRow.created_at, BarrierPlanRow.id)
        )
        return [BarrierPlanView(r.barrier, r.what, r.when, r.created_at) for r in rows]

    async def last_audit(self, subject: str, actions: tuple[str, ...]) -> dt.datetime | None:
        """When one of `actions` last happened to `subject` (e.g. the last contact)."""
        return await self._session.scalar(
            select(func.max(AuditRow.at)).where(
                AuditRow.subject == subject, AuditRow.action.in_(actions)
            )
        )

    async def set_enrolment(
        self, patient_id: int, clinic_ref: str, clinician_id: int | None
    ) -> None:
        row = await self._session.get_one(PatientRow, patient_id)
        row.clinic_ref = clinic_ref
        row.clinician_id = clinician_id

    # ---------------------------------------------------------------- invites
    async def add_invite(self, invite: Invite) -> None:
        self._session.add(
            InviteRow(
                code=invite.code,
                clinic_ref=invite.clinic_ref,
                clinician_id=invite.clinician_id,
                created_by=invite.created_by,
                created_at=invite.created_at,
                expires_at=invite.expires_at,
            )
        )
        await self._session.flush()

    async def invite(self, code: str, *, for_update: bool = False) -> Invite | None:
        query = select(InviteRow).where(InviteRow.code == code)
        if for_update:
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return None if row is None else _invite(row)

    async def use_invite(self, code: str, patient_id: int, now: dt.datetime) -> None:
        row = await self._session.scalar(select(InviteRow).where(InviteRow.code == code))
        if row is None:
            raise LookupError(code)
        row.used_at = now
        row.patient_id = patient_id

    # ---------------------------------------------------------------- pending input
    async def care_session(self, supervisor_id: int) -> CareSession | None:
        row = await self._session.get(CareSessionRow, supervisor_id)
        if row is None:
            return None
        return CareSession(
            row.supervisor_id,
            row.kind,
            row.patient_id,
            row.escalation_id,
            row.outcome,
            row.created_at,
        )

    async def set_care_session(self, session: CareSession) -> None:
        await self.clear_care_session(session.supervisor_id)
        self._session.add(
            CareSessionRow(
                supervisor_id=session.supervisor_id,
                kind=session.kind,
                patient_id=session.patient_id,
                escalation_id=session.escalation_id,
                outcome=session.outcome,
                created_at=session.created_at,
            )
        )
        await self._session.flush()

    async def clear_care_session(self, supervisor_id: int) -> None:
        await self._session.execute(
            delete(CareSessionRow).where(CareSessionRow.supervisor_id == supervisor_id)
        )

    # ---------------------------------------------------------------- plan adjustments
    async def add_plan_adjustment(self, patient_id: int, adjustment: PlanAdjustment) -> None:
        self._session.add(
            PlanAdjustmentRow(
                patient_id=patient_id,
                kind=adjustment.kind,
                value=dict(adjustment.value),
                reason=adjustment.reason,
                by=adjustment.by,
                at=adjustment.at,
            )
        )

    async def plan_adjustments(self, patient_id: int) -> list[PlanAdjustment]:
        rows = await self._session.scalars(
            select(PlanAdjustmentRow)
            .where(PlanAdjustmentRow.patient_id == patient_id)
            .order_by(PlanAdjustmentRow.at, PlanAdjustmentRow.id)
        )
        return [PlanAdjustment(r.kind, dict(r.value), r.reason, r.by, r.at) for r in rows]

    async def profile_flags(self, patient_id: int) -> dict[str, Any]:
        """The supervisor-set profile fields the dose rules read."""
        row = await self._session.get_one(ProfileRow, patient_id)
        return {
            "medical_clearance_at": row.medical_clearance_at,
            "treatment_resistant": row.treatment_resistant,
            "phase_held": row.phase_held,
            "hrmax_formula": row.hrmax_formula,
            "phase_id": row.phase_id,
        }

    async def set_profile_fields(self, patient_id: int, **values: Any) -> None:
        row = await self._session.get_one(ProfileRow, patient_id)
        for name, value in values.items():
            setattr(row, name, value)

    async def set_patient_fields(self, patient_id: int, **values: Any) -> None:
        row = await self._session.get_one(PatientRow, patient_id)
        for name, value in values.items():
            setattr(row, name, value)

    # ---------------------------------------------------------------- supervisors
    async def supervisor_prefs(self, telegram_id: int) -> SupervisorPrefs | None:
        row = await self._session.get(SupervisorRow, telegram_id)
        if row is None:
            return None
        return SupervisorPrefs(row.telegram_id, row.language, row.timezone, row.name)

    async def save_supervisor_prefs(self, prefs: SupervisorPrefs, now: dt.datetime) -> None:
        row = await self._session.get(SupervisorRow, prefs.telegram_id)
        if row is None:
            row = SupervisorRow(telegram_id=prefs.telegram_id)
            self._session.add(row)
        row.language = prefs.language
        row.timezone = prefs.timezone
        row.name = prefs.name
        row.updated_at = now
