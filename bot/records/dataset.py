"""Everything Stride holds about each patient, read once into plain records.

Exports and reports are functions of this dataset, so they never touch the database and
never see ORM rows. Erased patients (their tombstone) are not part of it: nothing of them
is left to export.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage import Store, convert
from bot.storage.care_models import CareMessageRow
from bot.storage.models import (
    AuditRow,
    BarrierPlanRow,
    CheckinRow,
    ConsentRow,
    ErasureTombstoneRow,
    EscalationRow,
    MoodRow,
    PatientRow,
    ProfileRow,
    SafetyPlanRow,
    SessionRow,
)
from dialogs.records import (
    AuditEvent,
    BarrierPlan,
    CheckinRecord,
    ConsentRecord,
    Escalation,
    MoodRecord,
    Patient,
    Profile,
    SafetyPlan,
    SessionRecord,
)


@dataclass(frozen=True)
class CareTeamMessage:
    """A message between the patient and their care team, relayed by Stride (bot/care)."""

    at: dt.datetime
    from_care_team: bool
    text: str
    status: str
    delivered_at: dt.datetime | None


@dataclass(frozen=True)
class PatientRecords:
    """One patient's records, oldest first in every list."""

    patient: Patient
    profile: Profile
    discharged_at: dt.datetime | None = None
    consent_withdrawn_at: dt.datetime | None = None
    clinic_ref: str | None = None
    """The clinic's own reference, when the patient was enrolled by invite (bot/care)."""
    checkins: list[CheckinRecord] = field(default_factory=list)
    """Completed administrations only: an abandoned check-in has no score to report."""
    sessions: list[SessionRecord] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    consents: list[ConsentRecord] = field(default_factory=list)
    moods: list[MoodRecord] = field(default_factory=list)
    barrier_plans: list[BarrierPlan] = field(default_factory=list)
    safety_plan: SafetyPlan = field(default_factory=SafetyPlan)
    audit: list[AuditEvent] = field(default_factory=list)
    care_messages: list[CareTeamMessage] = field(default_factory=list)
    """Only in the patient's own copy (`load_patient_records`): clinic exports leave them."""

    @property
    def code(self) -> str:
        return self.patient.code


@dataclass(frozen=True)
class Dataset:
    patients: list[PatientRecords]
    erased: int = 0
    """Patients erased at their request: counted, never shown."""
    erased_escalations: list[Escalation] = field(default_factory=list)
    """Their incidents, kept pseudonymous as the safety record: the safety figures count them."""


def _since_time(since: dt.date | None) -> dt.datetime | None:
    return None if since is None else dt.datetime.combine(since, dt.time(), dt.UTC)


async def load_dataset(
    store: Store, *, since: dt.date | None = None, patient_code: str | None = None
) -> Dataset:
    """Read every patient (or the one with `patient_code`), records from `since` on."""
    async with AsyncSession(store.engine, expire_on_commit=False) as session, session.begin():
        query = select(PatientRow).order_by(PatientRow.id)
        if patient_code is not None:
            query = query.where(PatientRow.code == patient_code)
        erased_codes = set(await session.scalars(select(ErasureTombstoneRow.patient_code)))
        rows = list(await session.scalars(query))
        patients = [
            await _patient(session, row, _since_time(since))
            for row in rows
            if row.code not in erased_codes
        ]
        kept = [
            escalation
            for row in rows
            if row.code in erased_codes
            for escalation in await _escalations(session, row, _since_time(since))
        ]
    return Dataset(patients=patients, erased=len(erased_codes), erased_escalations=kept)


async def _escalations(
    session: AsyncSession, row: PatientRow, since: dt.datetime | None
) -> list[Escalation]:
    query = select(EscalationRow).where(EscalationRow.patient_id == row.id)
    if since is not None:
        query = query.where(EscalationRow.created_at >= since)
    found = await session.scalars(query.order_by(EscalationRow.created_at, EscalationRow.id))
    return [convert.escalation_from_row(e, row.code) for e in found]


async def load_patient_records(store: Store, patient_id: int) -> PatientRecords | None:
    """One patient's records, all of them (a patient's own copy has no date filter)."""
    async with AsyncSession(store.engine, expire_on_commit=False) as session, session.begin():
        row = await session.get(PatientRow, patient_id)
        if row is None:
            return None
        messages = await session.scalars(
            select(CareMessageRow)
            .where(CareMessageRow.patient_id == patient_id)
            .order_by(CareMessageRow.created_at, CareMessageRow.id)
        )
        care_messages = [
            CareTeamMessage(
                at=m.created_at,
                from_care_team=not m.to_supervisor,
                text=m.body,
                status=m.status,
                delivered_at=m.sent_at,
            )
            for m in messages
        ]
        return dataclasses.replace(await _patient(session, row, None), care_messages=care_messages)


async def _patient(
    session: AsyncSession, row: PatientRow, since: dt.datetime | None
) -> PatientRecords:
    pid = row.id
    checkins = select(CheckinRow).where(
        CheckinRow.patient_id == pid, CheckinRow.completed_at.is_not(None)
    )
    sessions = select(SessionRow).where(SessionRow.patient_id == pid)
    moods = select(MoodRow).where(MoodRow.patient_id == pid)
    if since is not None:
        checkins = checkins.where(CheckinRow.started_at >= since)
        sessions = sessions.where(SessionRow.day >= since.date())
        moods = moods.where(MoodRow.at >= since)
    consents = await session.scalars(
        select(ConsentRow).where(ConsentRow.patient_id == pid).order_by(ConsentRow.accepted_at)
    )
    plans = await session.scalars(
        select(BarrierPlanRow)
        .where(BarrierPlanRow.patient_id == pid)
        .order_by(BarrierPlanRow.created_at)
    )
    audit = await session.scalars(
        select(AuditRow).where(AuditRow.subject == row.code).order_by(AuditRow.at, AuditRow.id)
    )
    return PatientRecords(
        patient=convert.patient_from_row(row),
        profile=convert.profile_from_row(await session.get_one(ProfileRow, pid)),
        discharged_at=row.discharged_at,
        consent_withdrawn_at=row.consent_withdrawn_at,
        clinic_ref=row.clinic_ref,
        checkins=[
            convert.checkin_from_row(c)
            for c in await session.scalars(checkins.order_by(CheckinRow.started_at, CheckinRow.id))
        ],
        sessions=[
            convert.session_from_row(s)
            for s in await session.scalars(sessions.order_by(SessionRow.day, SessionRow.id))
        ],
        escalations=await _escalations(session, row, since),
        consents=[
            ConsentRecord(what=c.what, version=c.version, accepted_at=c.accepted_at)
            for c in consents
        ],
        moods=[
            MoodRecord(at=m.at, score=m.score)
            for m in await session.scalars(moods.order_by(MoodRow.at))
        ],
        barrier_plans=[
            BarrierPlan(
                barrier=p.barrier,
                script=p.script,
                what=p.what,
                when=p.when,
                created_at=p.created_at,
            )
            for p in plans
        ],
        safety_plan=convert.safety_plan_from_row(await session.get(SafetyPlanRow, pid)),
        audit=[convert.audit_from_row(a) for a in audit],
    )
