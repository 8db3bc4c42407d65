"""Loading and saving a patient's whole state, the unit a dialog works on.

`save` writes the state a dialog mutated together with everything its `Outcome` asked to
record, in the caller's transaction: the answer, the new place in the flow and any
escalation are committed together or not at all.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import (
    Column,
    ColumnElement,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)

from bot.storage import convert
from bot.storage.audit import audit_row
from bot.storage.codes import new_patient_code
from bot.storage.escalations import new_escalation_row
from bot.storage.models import (
    BarrierPlanRow,
    Base,
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

    checkins: list[Any]
    sessions: list[Any]
    moods: list[Any]
    plans: list[Any]
    safety: list[Any]
    consents: list[Any]


@dataclass
class _Rows:
    """A loaded patient's one-per-patient rows as they were read (plain named tuples), held
    so `save` writes only the columns a dialog changed and needs no second SELECT."""

    patient: Any
    profile: Any
    conversation: Any
    safety_plan: Any | None


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
        patient_id = await self._session.scalar(
            insert(_PATIENTS).returning(_PATIENTS.c.id),
            {
                "code": await self._unused_code(),
                "telegram_id": telegram_id,
                "chat_id": chat_id,
                "language": language,
                "country": country,
                "timezone": timezone,
                "journey": NEW_JOURNEY,
                "created_at": now,
            },
        )
        if patient_id is None:  # pragma: no cover - RETURNING always returns the new row
            raise RuntimeError("the new patient's id was not returned")
        await self._session.execute(
            insert(_PROFILES), {"patient_id": patient_id, **convert.profile_values(Profile())}
        )
        await self._session.execute(
            insert(_CONVERSATIONS),
            {
                "patient_id": patient_id,
                "updated_at": now,
                **convert.conversation_values(Conversation()),
            },
        )
        loaded = await self._load_where("id", patient_id, now)
        if loaded is None:  # pragma: no cover - just inserted in this transaction
            raise RuntimeError(f"patient {patient_id} vanished while being created")
        return loaded

    async def save(self, state: PatientState, outcome: Outcome, now: dt.datetime) -> list[int]:
        """Write `state` and `outcome`; return the ids of the escalations opened.

        Records with an id (a check-in or session stored before) are updated; new records
        are inserted and get their id assigned, so a later save of the same object updates.
        """
        patient_id = state.patient.id
        rows = self._held().get(patient_id) or await self._rows_of(patient_id)
        if any(r.priority is Priority.URGENT for r in outcome.escalations):
            # Every urgent trigger (item 9, risk language, /sos) shapes the prescription the
            # same way: the one place they all pass through is here.
            state.profile.safety_flag_at = now
        # The mood check's time or a new low-mood offer: its slots are due later today.
        replan = (rows.profile.mood_check_time, rows.profile.mood_offer_at) != (
            state.profile.mood_check_time,
            state.profile.mood_offer_at,
        )
        rows.patient = await self._write(
            _PATIENTS, rows.patient, convert.patient_values(state.patient)
        )
        rows.profile = await self._write(
            _PROFILES, rows.profile, convert.profile_values(state.profile)
        )
        if replan:
            await self._plan_again(patient_id, now)
        rows.conversation = await self._write(
            _CONVERSATIONS,
            rows.conversation,
            convert.conversation_values(state.conversation) | {"updated_at": now},
        )
        await self._save_safety_plan(state, rows)
        for record in outcome.records:
            await self._store_record(patient_id, record, now)
        escalations = [new_escalation_row(patient_id, r, now) for r in outcome.escalations]
        if not escalations:
            return []
        self._session.add_all(escalations)
        await self._session.flush()
        return [row.id for row in escalations]

    async def _write(self, table: Table, held: Any, values: dict[str, Any]) -> Any:
        """UPDATE the columns of `held` (a row as loaded) whose `values` changed; return the
        row as it now stands."""
        changes = convert.changed(held, values)
        if not changes:
            return held
        key = held[0]  # each part's first column is its table's key
        await self._hot_rows(_update_by_key(table), {_KEY: key, **changes})
        return held._replace(**changes)

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
        shape = _load_shape()
        patient: Any = None
        one: tuple[Any, ...] | None = None
        found: list[list[Any]] = [[] for _ in shape.lists]
        for result in await self._hot_rows(statement, params):
            if patient is None:
                patient = shape.patient.of(result)
            if one is None and shape.profile.present(result):
                one = (
                    shape.profile.of(result),
                    shape.conversation.of(result) if shape.conversation.present(result) else None,
                    shape.safety_plan.of(result) if shape.safety_plan.present(result) else None,
                )
            for n, part in enumerate(shape.lists):
                if part.present(result):
                    found[n].append(part.of(result))
                    break
        if patient is None:
            return None
        rows = (
            _Rows(patient, *one)
            if one is not None and one[1] is not None
            else await self._rows_of(patient.id)  # never expected: created together
        )
        return self._assemble(rows, _trimmed(_Histories(*found), patient.timezone, now), now)

    async def _rows_of(self, patient_id: int) -> _Rows:
        shape = _load_shape()
        parts = (shape.patient, shape.profile, shape.conversation, shape.safety_plan)
        loaded: list[Any] = []
        for part in parts:
            key = part.columns[0]
            found = (
                await self._session.execute(select(*part.columns).where(key == patient_id))
            ).first()
            if found is None and part is not shape.safety_plan:
                raise LookupError(f"no {key.table} row for patient {patient_id}")
            loaded.append(None if found is None else part.record._make(found))
        return _Rows(*loaded)

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

    async def _save_safety_plan(self, state: PatientState, rows: _Rows) -> None:
        plan = state.safety_plan
        values = convert.safety_plan_values(plan)
        if rows.safety_plan is not None:
            rows.safety_plan = await self._write(_SAFETY_PLANS, rows.safety_plan, values)
        elif not (plan.is_empty and plan.updated_at is None):  # else no row needed yet
            values["patient_id"] = state.patient.id
            await self._session.execute(insert(_SAFETY_PLANS), values)
            rows.safety_plan = _load_shape().safety_plan.record(**values)

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


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_PATIENTS = _table(PatientRow)
_PROFILES = _table(ProfileRow)
_CONVERSATIONS = _table(ConversationRow)
_SAFETY_PLANS = _table(SafetyPlanRow)
_KEY = "row_key"  # the bound name of the key in `_update_by_key`


@functools.cache
def _update_by_key(table: Table) -> Update:
    """UPDATE one row of `table` by its key; the SET clause is the parameters' other names
    (SQLAlchemy compiles and caches one statement per set of names)."""
    (key,) = table.primary_key.columns
    return update(table).where(key == bindparam(_KEY))


@dataclass(frozen=True)
class _Part:
    """One table's columns in the load statement's rows: where they sit, and the named tuple
    each becomes. Its fields are named as the ORM's attributes, so `convert` reads either.

    Plain tuples, not ORM objects: the session then builds, tracks and flushes nothing for
    the rows every update loads (issue 17: that bookkeeping cost more CPU than SQLite took
    to run the statement)."""

    columns: tuple[Column[Any], ...]  # the table's key first
    start: int
    record: Any  # a namedtuple type

    def present(self, row: Sequence[Any]) -> bool:
        return row[self.start] is not None  # a stored row's key is never NULL

    def of(self, row: Sequence[Any]) -> Any:
        return self.record._make(row[self.start : self.start + len(self.columns)])


@dataclass(frozen=True)
class _Shape:
    patient: _Part
    profile: _Part
    conversation: _Part
    safety_plan: _Part
    lists: tuple[_Part, ...]  # in `_Histories`' order


def _part(table: Table, start: int, names: Sequence[str] | None = None) -> _Part:
    (key,) = table.primary_key.columns
    wanted = [c.key for c in table.columns] if names is None else list(names)
    columns = (key, *(table.c[name] for name in wanted if name != key.key))
    record = namedtuple(table.name, [c.key for c in columns])  # type: ignore[misc]
    return _Part(columns, start, record)


def _lists() -> list[tuple[Table, tuple[str, ...] | None, ColumnElement[bool], tuple[str, ...]]]:
    """Each per-patient list: its table, the columns read (None: all), its condition and its
    order, in `_Histories`' order.

    The patient's time zone is not known before the statement runs, so the two windows that
    depend on the local day are a day wider here (bound by `_load_where`) and `_trimmed`
    cuts them exactly.
    """
    checkins, sessions, moods = _table(CheckinRow), _table(SessionRow), _table(MoodRow)
    plans, escalations = _table(BarrierPlanRow), _table(EscalationRow)
    consents = _table(ConsentRow)
    patient_id = _PATIENTS.c.id
    return [
        (
            checkins,
            None,
            and_(checkins.c.patient_id == patient_id, checkins.c.completed_at.is_not(None)),
            ("started_at", "id"),
        ),
        (
            sessions,
            None,
            and_(
                sessions.c.patient_id == patient_id, sessions.c.day >= bindparam("sessions_from")
            ),
            ("day", "id"),
        ),
        (
            moods,
            ("at", "score"),
            and_(moods.c.patient_id == patient_id, moods.c.at >= bindparam("moods_from")),
            ("at",),
        ),
        (
            plans,
            ("barrier", "script", "what", "when", "created_at"),
            plans.c.patient_id == patient_id,
            ("created_at", "id"),
        ),
        (
            escalations,
            ("created_at",),
            and_(
                escalations.c.patient_id == patient_id,
                # One comparison per trigger, not IN (…): an IN list is expanded per
                # execution, which the driver does not do (`bot.storage.driver`).
                or_(*(escalations.c.trigger == trigger for trigger in SAFETY_TRIGGERS)),
                escalations.c.created_at >= bindparam("safety_from"),
            ),
            ("created_at", "id"),
        ),
        (
            consents,
            ("what", "version", "accepted_at"),
            consents.c.patient_id == patient_id,
            ("accepted_at", "id"),
        ),
    ]


@functools.cache
def _load_shape() -> _Shape:
    """Where each table sits in the rows of `_load_statement` (the same for every key)."""
    parts: list[_Part] = []
    start = 0
    tables: list[tuple[Table, tuple[str, ...] | None]] = [
        (_PATIENTS, None),
        (_PROFILES, None),
        (_CONVERSATIONS, None),
        (_SAFETY_PLANS, None),
        *((table, names) for table, names, _, _ in _lists()),
    ]
    for table, names in tables:
        part = _part(table, start, names)
        parts.append(part)
        start += len(part.columns)
    patient, profile, conversation, safety_plan, *lists = parts
    return _Shape(patient, profile, conversation, safety_plan, tuple(lists))


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
    shape = _load_shape()
    last = len(lists)
    kinds = union_all(*(select(literal(n).label("n")) for n in range(last + 1))).subquery("kinds")
    on_last = kinds.c.n == last
    parts = (shape.patient, shape.profile, shape.conversation, shape.safety_plan, *shape.lists)
    patient_id = _PATIENTS.c.id
    statement = (
        select(*(column for part in parts for column in part.columns))
        .select_from(kinds)
        .join(_PATIENTS, _PATIENTS.c[key] == bindparam("key"))
        .outerjoin(_PROFILES, and_(on_last, _PROFILES.c.patient_id == patient_id))
        .outerjoin(_CONVERSATIONS, and_(on_last, _CONVERSATIONS.c.patient_id == patient_id))
        .outerjoin(_SAFETY_PLANS, and_(on_last, _SAFETY_PLANS.c.patient_id == patient_id))
    )
    for n, (table, _, list_condition, _) in enumerate(lists):
        statement = statement.outerjoin(table, and_(kinds.c.n == n, list_condition))
    return statement.order_by(
        kinds.c.n, *(table.c[name] for table, _, _, order in lists for name in order)
    )


def _trimmed(found: _Histories, timezone: str, now: dt.datetime) -> _Histories:
    """Cut the windows `_lists` widened to the patient's local day."""
    zone = tz_for(timezone)
    today = now.astimezone(zone).date()
    # Today's mood ratings (local day), for the once-a-day low-mood offer.
    local_midnight = dt.datetime.combine(today, dt.time(), zone)
    found.sessions = [s for s in found.sessions if s.day >= today - SESSION_WINDOW]
    found.moods = [m for m in found.moods if m.at >= local_midnight]
    return found
