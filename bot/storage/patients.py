"""Loading and saving a patient's whole state, the unit a dialog works on.

`save` writes the state a dialog mutated together with everything its `Outcome` asked to
record, in the caller's transaction: the answer, the new place in the flow and any
escalation are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from sqlalchemy import ColumnElement, select

from bot.storage import convert
from bot.storage.audit import audit_row
from bot.storage.codes import new_patient_code
from bot.storage.escalations import new_escalation_row
from bot.storage.models import (
    BarrierPlanRow,
    CheckinRow,
    ConsentRow,
    ConversationRow,
    MoodRow,
    PatientRow,
    ProfileRow,
    SafetyPlanRow,
    SessionRow,
)
from bot.storage.scope import SessionScope
from dialogs.records import (
    AuditEvent,
    BarrierPlan,
    CheckinRecord,
    ConsentRecord,
    Conversation,
    MoodRecord,
    NewRecord,
    Priority,
    Profile,
    SessionRecord,
)
from dialogs.state import Outcome, PatientState
from dialogs.timezones import tz_for
from state_machines.journey import JourneyState

SESSION_WINDOW = dt.timedelta(days=56)
"""How far back `PatientState.sessions` reaches: the length of the programme's phases."""

NEW_JOURNEY = JourneyState.NEW.value
_CODE_ATTEMPTS = 20


class PatientsMixin(SessionScope):
    async def load_patient(self, telegram_id: int, now: dt.datetime) -> PatientState | None:
        return await self._load_where(PatientRow.telegram_id == telegram_id, now)

    async def load_patient_by_id(self, patient_id: int, now: dt.datetime) -> PatientState | None:
        return await self._load_where(PatientRow.id == patient_id, now)

    async def load_patient_by_code(self, code: str, now: dt.datetime) -> PatientState | None:
        return await self._load_where(PatientRow.code == code, now)

    async def all_patient_ids(self) -> list[int]:
        return list(await self._session.scalars(select(PatientRow.id).order_by(PatientRow.id)))

    async def create_patient(
        self,
        *,
        telegram_id: int,
        chat_id: int,
        language: str,
        country: str,
        timezone: str,
        now: dt.datetime,
    ) -> PatientState:
        """Register a patient with an empty profile and conversation (journey "new")."""
        row = PatientRow(
            code=await self._unused_code(),
            telegram_id=telegram_id,
            chat_id=chat_id,
            language=language,
            country=country,
            timezone=timezone,
            journey=NEW_JOURNEY,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        profile = ProfileRow(patient_id=row.id)
        convert.apply_profile(profile, Profile())
        conversation = ConversationRow(patient_id=row.id, updated_at=now)
        convert.apply_conversation(conversation, Conversation())
        self._session.add_all([profile, conversation])
        await self._session.flush()
        return await self._assemble(row, now)

    async def save(self, state: PatientState, outcome: Outcome, now: dt.datetime) -> list[int]:
        """Write `state` and `outcome`; return the ids of the escalations opened.

        Records with an id (a check-in or session stored before) are updated; new records
        are inserted and get their id assigned, so a later save of the same object updates.
        """
        patient_id = state.patient.id
        patient = await self._session.get_one(PatientRow, patient_id)
        convert.apply_patient(patient, state.patient)
        if any(r.priority is Priority.URGENT for r in outcome.escalations):
            # Every urgent trigger (item 9, risk language, /sos) shapes the prescription the
            # same way: the one place they all pass through is here.
            state.profile.safety_flag_at = now
        convert.apply_profile(await self._session.get_one(ProfileRow, patient_id), state.profile)
        conversation = await self._session.get_one(ConversationRow, patient_id)
        convert.apply_conversation(conversation, state.conversation)
        conversation.updated_at = now
        await self._save_safety_plan(state)
        for record in outcome.records:
            await self._store_record(patient_id, record, now)
        escalations = [new_escalation_row(patient_id, r, now) for r in outcome.escalations]
        self._session.add_all(escalations)
        await self._session.flush()
        return [row.id for row in escalations]

    async def _load_where(
        self, condition: ColumnElement[bool], now: dt.datetime
    ) -> PatientState | None:
        row = await self._session.scalar(select(PatientRow).where(condition))
        return None if row is None else await self._assemble(row, now)

    async def _assemble(self, row: PatientRow, now: dt.datetime) -> PatientState:
        session = self._session
        checkins = await session.scalars(
            select(CheckinRow)
            .where(CheckinRow.patient_id == row.id, CheckinRow.completed_at.is_not(None))
            .order_by(CheckinRow.started_at, CheckinRow.id)
        )
        since = now.astimezone(tz_for(row.timezone)).date() - SESSION_WINDOW
        sessions = await session.scalars(
            select(SessionRow)
            .where(SessionRow.patient_id == row.id, SessionRow.day >= since)
            .order_by(SessionRow.day, SessionRow.id)
        )
        # Today's mood ratings (local day), for the once-a-day low-mood offer.
        local_midnight = dt.datetime.combine(
            now.astimezone(tz_for(row.timezone)).date(), dt.time(), tz_for(row.timezone)
        )
        moods = await session.scalars(
            select(MoodRow)
            .where(MoodRow.patient_id == row.id, MoodRow.at >= local_midnight)
            .order_by(MoodRow.at)
        )
        consents = await session.scalars(
            select(ConsentRow)
            .where(ConsentRow.patient_id == row.id)
            .order_by(ConsentRow.accepted_at, ConsentRow.id)
        )
        return PatientState(
            patient=convert.patient_from_row(row),
            profile=convert.profile_from_row(await session.get_one(ProfileRow, row.id)),
            conversation=convert.conversation_from_row(
                await session.get_one(ConversationRow, row.id)
            ),
            checkins=[convert.checkin_from_row(c) for c in checkins],
            sessions=[convert.session_from_row(s) for s in sessions],
            safety_plan=convert.safety_plan_from_row(await session.get(SafetyPlanRow, row.id)),
            moods=[MoodRecord(at=m.at, score=m.score) for m in moods],
            consents=[
                ConsentRecord(what=c.what, version=c.version, accepted_at=c.accepted_at)
                for c in consents
            ],
            now=now,
        )

    async def _unused_code(self) -> str:
        for _ in range(_CODE_ATTEMPTS):
            code = new_patient_code()
            taken = await self._session.scalar(
                select(PatientRow.id).where(PatientRow.code == code)
            )
            if taken is None:
                return code
        raise RuntimeError("could not find an unused patient code")  # pragma: no cover

    async def _save_safety_plan(self, state: PatientState) -> None:
        plan = state.safety_plan
        row = await self._session.get(SafetyPlanRow, state.patient.id)
        if row is None:
            if plan.is_empty and plan.updated_at is None:
                return  # nothing written yet: no row needed
            row = SafetyPlanRow(patient_id=state.patient.id)
            self._session.add(row)
        row.sections = {key: list(entries) for key, entries in plan.sections.items()}
        row.updated_at = plan.updated_at

    async def _store_record(self, patient_id: int, record: NewRecord, now: dt.datetime) -> None:
        match record:
            case CheckinRecord():
                await self._upsert(CheckinRow, record, patient_id, convert.checkin_values(record))
            case SessionRecord():
                await self._upsert(SessionRow, record, patient_id, convert.session_values(record))
            case MoodRecord(at=at, score=score):
                self._session.add(MoodRow(patient_id=patient_id, at=at, score=score))
            case BarrierPlan():
                self._session.add(BarrierPlanRow(patient_id=patient_id, **asdict(record)))
            case ConsentRecord():
                self._session.add(ConsentRow(patient_id=patient_id, **asdict(record)))
            case AuditEvent():
                self._session.add(audit_row(record, now))

    async def _upsert(
        self,
        model: type[CheckinRow] | type[SessionRow],
        record: CheckinRecord | SessionRecord,
        patient_id: int,
        values: dict[str, Any],
    ) -> None:
        if record.id is None:
            row = model(patient_id=patient_id, **values)
            self._session.add(row)
            await self._session.flush()
            record.id = row.id
            return
        row = await self._session.get_one(model, record.id)
        if row.patient_id != patient_id:
            raise ValueError(f"{model.__tablename__} {record.id} belongs to another patient")
        for name, value in values.items():
            setattr(row, name, value)
