"""Loading and saving a patient's whole state, the unit a dialog works on.

`save` writes the state a dialog mutated together with everything its `Outcome` asked to
record, in the caller's transaction: the answer, the new place in the flow and any
escalation are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, bindparam, literal, select, union_all, update

from bot.storage import convert
from bot.storage.audit import audit_row
from bot.storage.codes import new_patient_code
from bot.storage.escalations import new_escalation_row
from bot.storage.models import (
    BarrierPlanRow,
    CheckinRow,
    ConsentRow,
    ConversationRow,
    EscalationRow,
    MoodRow,
    PatientRow,
    ProfileRow,
    SafetyPlanRow,
    SessionRow,
)
from bot.storage.nudge_models import NudgeHorizonRow
from bot.storage.scope import SessionScope
from dialogs.records import (
    AuditEvent,
    BarrierPlan,
    CheckinRecord,
    ConsentRecord,
    Conversation,
    EscalationTrigger,
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
# Recent safety escalations are loaded this far back; the concern policy's own window (7 days
# in the shipped content) decides which of them count.
SAFETY_WINDOW = dt.timedelta(days=31)
SAFETY_TRIGGERS = tuple(
    t.value
    for t in (
        EscalationTrigger.CONCERN,
        EscalationTrigger.RISK_LANGUAGE,
        EscalationTrigger.ITEM9,
        EscalationTrigger.SOS,
    )
)
"""How far back `PatientState.sessions` reaches: the length of the programme's phases."""

NEW_JOURNEY = JourneyState.NEW.value
LoadKey = Literal["id", "telegram_id", "code"]  # the `patients` columns a patient is found by
_CODE_ATTEMPTS = 20
# A local date is at most a day away from the UTC date.
_LOCAL_DAY_SLACK = dt.timedelta(days=1)


@dataclass
class _Histories:
    """A patient's lists, each oldest first (`_load_where` fills them in one statement)."""

    checkins: list[CheckinRow]
    sessions: list[SessionRow]
    moods: list[MoodRow]
    plans: list[BarrierPlanRow]
    safety: list[EscalationRow]
    consents: list[ConsentRow]


@dataclass
class _Rows:
    """A loaded patient's one-per-patient rows, held so `save` needs no second SELECT.

    The session's identity map holds unchanged rows only weakly: once `_assemble` turned
    them into plain records they would be collected, and `save` would load them again.
    """

    patient: PatientRow
    profile: ProfileRow
    conversation: ConversationRow
    safety_plan: SafetyPlanRow | None


class PatientsMixin(SessionScope):
    def _held(self) -> dict[int, _Rows]:
        held: dict[int, _Rows] | None = getattr(self, "_held_rows", None)
        if held is None:
            held = {}
            self._held_rows = held
        return held

    async def load_patient(self, telegram_id: int, now: dt.datetime) -> PatientState | None:
        return await self._load_where("telegram_id", telegram_id, now)

    async def load_patient_by_id(self, patient_id: int, now: dt.datetime) -> PatientState | None:
        return await self._load_where("id", patient_id, now)

    async def load_patient_by_code(self, code: str, now: dt.datetime) -> PatientState | None:
        return await self._load_where("code", code, now)

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
        loaded = await self._load_where("id", row.id, now)
        if loaded is None:  # pragma: no cover - just flushed in this transaction
            raise RuntimeError(f"patient {row.id} vanished while being created")
        return loaded

    async def save(self, state: PatientState, outcome: Outcome, now: dt.datetime) -> list[int]:
        """Write `state` and `outcome`; return the ids of the escalations opened.

        Records with an id (a check-in or session stored before) are updated; new records
        are inserted and get their id assigned, so a later save of the same object updates.
        """
        patient_id = state.patient.id
        rows = self._held().get(patient_id) or await self._rows_of(patient_id)
        convert.apply_patient(rows.patient, state.patient)
        if any(r.priority is Priority.URGENT for r in outcome.escalations):
            # Every urgent trigger (item 9, risk language, /sos) shapes the prescription the
            # same way: the one place they all pass through is here.
            state.profile.safety_flag_at = now
        # The mood check's time or a new low-mood offer: its slots are due later today.
        replan = (rows.profile.mood_check_time, rows.profile.mood_offer_at) != (
            state.profile.mood_check_time,
            state.profile.mood_offer_at,
        )
        convert.apply_profile(rows.profile, state.profile)
        if replan:
            await self._plan_again(patient_id, now)
        convert.apply_conversation(rows.conversation, state.conversation)
        rows.conversation.updated_at = now
        self._save_safety_plan(state, rows)
        for record in outcome.records:
            await self._store_record(patient_id, record, now)
        escalations = [new_escalation_row(patient_id, r, now) for r in outcome.escalations]
        self._session.add_all(escalations)
        await self._session.flush()
        return [row.id for row in escalations]

    async def _load_where(self, key: LoadKey, value: Any, now: dt.datetime) -> PatientState | None:
        """The patient, their one-per-patient rows and every list a dialog reads, in one
        statement (`_load_statement`): an ordinary update then costs one read before the
        dialog runs."""
        statement = _load_statement(key)
        utc_today = now.astimezone(dt.UTC).date()
        params = {
            "key": value,
            "sessions_from": utc_today - SESSION_WINDOW - _LOCAL_DAY_SLACK,
            # Local midnight is at most 25 hours back (a day that gains an hour).
            "moods_from": now - 2 * _LOCAL_DAY_SLACK,
            "safety_from": now - SAFETY_WINDOW,
        }
        row: PatientRow | None = None
        one: tuple[Any, ...] = (None, None, None)
        found: list[list[Any]] = [[] for _ in _Histories.__dataclass_fields__]
        for result in await self._session.execute(statement, params):
            row = result[0]
            if any(item is not None for item in result[1:4]):
                one = tuple(result[1:4])
            for n, item in enumerate(result[4:]):
                if item is not None:
                    found[n].append(item)
                    break
        if row is None:
            return None
        profile, conversation, plan = one
        rows = (
            _Rows(row, profile, conversation, plan)
            if profile is not None and conversation is not None
            else await self._rows_of(row.id)  # never expected: created together
        )
        return self._assemble(rows, _trimmed(_Histories(*found), row.timezone, now), now)

    async def _rows_of(self, patient_id: int) -> _Rows:
        session = self._session
        return _Rows(
            await session.get_one(PatientRow, patient_id),
            await session.get_one(ProfileRow, patient_id),
            await session.get_one(ConversationRow, patient_id),
            await session.get(SafetyPlanRow, patient_id),
        )

    def _assemble(self, rows: _Rows, found: _Histories, now: dt.datetime) -> PatientState:
        row = rows.patient
        self._held()[row.id] = rows
        # The latest barrier plan: its "How did it go?" follow-up is a nudge.
        plan = found.plans[-1] if found.plans else None
        return PatientState(
            patient=convert.patient_from_row(row),
            profile=convert.profile_from_row(rows.profile),
            conversation=convert.conversation_from_row(rows.conversation),
            checkins=[convert.checkin_from_row(c) for c in found.checkins],
            sessions=[convert.session_from_row(s) for s in found.sessions],
            safety_plan=convert.safety_plan_from_row(rows.safety_plan),
            moods=[MoodRecord(at=m.at, score=m.score) for m in found.moods],
            barrier_plan=None
            if plan is None
            else BarrierPlan(plan.barrier, plan.script, plan.what, plan.when, plan.created_at),
            recent_safety=[e.created_at for e in found.safety],
            consents=[
                ConsentRecord(what=c.what, version=c.version, accepted_at=c.accepted_at)
                for c in found.consents
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

    def _save_safety_plan(self, state: PatientState, rows: _Rows) -> None:
        plan = state.safety_plan
        row = rows.safety_plan
        if row is None:
            if plan.is_empty and plan.updated_at is None:
                return  # nothing written yet: no row needed
            row = SafetyPlanRow(patient_id=state.patient.id)
            self._session.add(row)
            rows.safety_plan = row
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
                # The plan's follow-up is often later today: see `_plan_again`.
                await self._plan_again(patient_id, now)
            case ConsentRecord():
                self._session.add(ConsentRow(patient_id=patient_id, **asdict(record)))
            case AuditEvent():
                self._session.add(audit_row(record, now))

    async def _plan_again(self, patient_id: int, now: dt.datetime) -> None:
        """Planned days are fixed at local midnight: plan this patient again at the next tick,
        so a slot wanted later today (a barrier plan's follow-up, the mood check) gets planned."""
        await self._session.execute(
            update(NudgeHorizonRow)
            .where(NudgeHorizonRow.patient_id == patient_id)
            .values(planned_until=now)
        )

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


def _lists() -> list[tuple[Any, ColumnElement[bool], tuple[Any, ...]]]:
    """Each per-patient list with its condition and order, in `_Histories`' order.

    The patient's time zone is not known before the statement runs, so the two windows that
    depend on the local day are a day wider here (bound by `_load_where`) and `_trimmed`
    cuts them exactly.
    """
    return [
        (
            CheckinRow,
            and_(CheckinRow.patient_id == PatientRow.id, CheckinRow.completed_at.is_not(None)),
            (CheckinRow.started_at, CheckinRow.id),
        ),
        (
            SessionRow,
            and_(
                SessionRow.patient_id == PatientRow.id,
                SessionRow.day >= bindparam("sessions_from"),
            ),
            (SessionRow.day, SessionRow.id),
        ),
        (
            MoodRow,
            and_(MoodRow.patient_id == PatientRow.id, MoodRow.at >= bindparam("moods_from")),
            (MoodRow.at,),
        ),
        (
            BarrierPlanRow,
            BarrierPlanRow.patient_id == PatientRow.id,
            (BarrierPlanRow.created_at, BarrierPlanRow.id),
        ),
        (
            EscalationRow,
            and_(
                EscalationRow.patient_id == PatientRow.id,
                EscalationRow.trigger.in_(SAFETY_TRIGGERS),
                EscalationRow.created_at >= bindparam("safety_from"),
            ),
            (EscalationRow.created_at, EscalationRow.id),
        ),
        (
            ConsentRow,
            ConsentRow.patient_id == PatientRow.id,
            (ConsentRow.accepted_at, ConsentRow.id),
        ),
    ]


@functools.cache
def _load_statement(key: LoadKey) -> Select[Any]:
    """The one statement that loads a patient by `key` (a `patients` column), built once.

    Built on every update it cost more CPU than running it: its joins, its conditions and
    its cache key. Built once, only the bound values change.

    Small lists of different tables: a `kinds` table (0 to N) is joined to the patient and
    each list is left-joined on its own number, so every result row carries one record.
    The one-per-patient rows ride on the last number only, so their wide columns (the
    conversation's data) come once, not once per record.
    """
    lists = _lists()
    last = len(lists)
    kinds = union_all(*(select(literal(n).label("n")) for n in range(last + 1))).subquery("kinds")
    on_last = kinds.c.n == last
    statement = (
        select(
            PatientRow,
            ProfileRow,
            ConversationRow,
            SafetyPlanRow,
            *(model for model, _, _ in lists),
        )
        .select_from(kinds)
        .join(PatientRow, getattr(PatientRow, key) == bindparam("key"))
        .outerjoin(ProfileRow, and_(on_last, ProfileRow.patient_id == PatientRow.id))
        .outerjoin(ConversationRow, and_(on_last, ConversationRow.patient_id == PatientRow.id))
        .outerjoin(SafetyPlanRow, and_(on_last, SafetyPlanRow.patient_id == PatientRow.id))
    )
    for n, (model, list_condition, _) in enumerate(lists):
        statement = statement.outerjoin(model, and_(kinds.c.n == n, list_condition))
    return statement.order_by(kinds.c.n, *(c for _, _, order in lists for c in order))


def _trimmed(found: _Histories, timezone: str, now: dt.datetime) -> _Histories:
    """Cut the windows `_lists` widened to the patient's local day."""
    zone = tz_for(timezone)
    today = now.astimezone(zone).date()
    # Today's mood ratings (local day), for the once-a-day low-mood offer.
    local_midnight = dt.datetime.combine(today, dt.time(), zone)
    found.sessions = [s for s in found.sessions if s.day >= today - SESSION_WINDOW]
    found.moods = [m for m in found.moods if m.at >= local_midnight]
    return found
