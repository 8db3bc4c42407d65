"""The nudge schedule in the database: slots, their lifecycle, and what planning reads.

A slot moves `planned` → `sending` → `sent`, or ends `dropped`/`held`. The claim
(`planned` → `sending`) is a conditional UPDATE committed before the message goes out, so two
senders can never both send a slot; `sending` → `sent` is committed once Telegram answered.
A crash in between leaves the slot `sending`: the runner retries it once at start if it is
still within its grace period (the only window in which a patient can get a nudge twice).

Patients are read in batches (`nudge_states`): a few queries per batch of hundreds, rather
than `load_patient`'s several per patient, because every patient is planned once a day and a
morning fan-out reads thousands. Rows are read as plain Core rows (no ORM identity map): the
converters in `convert` only read attributes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Insert, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage import convert
from bot.storage.models import (
    BarrierPlanRow,
    CheckinRow,
    ConversationRow,
    EscalationRow,
    PatientRow,
    ProfileRow,
    SessionRow,
)
from bot.storage.nudge_models import NudgeHorizonRow, NudgeSlotRow
from bot.storage.scope import SessionScope
from dialogs import programme
from dialogs.digest import DigestFacts
from dialogs.nudges import MOOD_KINDS, DayLoad, NudgeKind, Slot, SlotStatus
from dialogs.records import BarrierPlan, SessionStatus
from dialogs.state import PatientState
from dialogs.timezones import tz_for

# A barrier plan's follow-up comes at most a day after it: older plans are not read.
BARRIER_PLAN_WINDOW = dt.timedelta(days=3)
SESSION_WINDOW = dt.timedelta(days=56)  # as `load_patient`: the weekly summary's chart needs it

PHQ9 = "phq9"
RESOLVED = "resolved"
_ACTIVE_SESSIONS = (SessionStatus.DONE.value, SessionStatus.PARTIAL.value)
_TAKEN = (SlotStatus.SENDING.value, SlotStatus.SENT.value)
_MOOD_KINDS = frozenset(k.value for k in MOOD_KINDS)
WEEK = dt.timedelta(days=7)
# A claimed slot is sent within seconds; past this, its sender is taken to have died.
SLOT_LEASE = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class StoredSlot:
    """A slot as stored: who gets it, and how far its delivery got."""

    id: int
    patient_id: int | None
    chat_id: int
    slot: Slot
    attempts: int
    telegram_message_id: int | None = None


def _slot(row: NudgeSlotRow) -> Slot:
    return Slot(
        kind=NudgeKind(row.kind),
        key=row.slot_key,
        day=row.day,
        due_at=row.due_at,
        rank=row.rank,
        variant=row.variant,
        status=SlotStatus(row.status),
        reason=row.reason,
    )


def _stored(row: NudgeSlotRow) -> StoredSlot:
    return StoredSlot(
        id=row.id,
        patient_id=row.patient_id,
        chat_id=row.chat_id,
        slot=_slot(row),
        attempts=row.attempts,
        telegram_message_id=row.telegram_message_id,
    )


@dataclass(frozen=True)
class NewSlot:
    patient_id: int | None
    chat_id: int
    slot: Slot


class NudgesMixin(SessionScope):
    # ------------------------------------------------------------------ planning

    async def add_slots(self, slots: Iterable[NewSlot], now: dt.datetime) -> None:
        """Store planned slots; a (chat, key) already stored is kept as it is."""
        rows = [
            {
                "patient_id": new.patient_id,
                "chat_id": new.chat_id,
                "kind": new.slot.kind.value,
                "slot_key": new.slot.key,
                "day": new.slot.day,
                "due_at": new.slot.due_at,
                "rank": new.slot.rank,
                "status": new.slot.status.value,
                "variant": new.slot.variant,
                "attempts": 0,
                "reason": new.slot.reason,
                "claimed_at": None,
                "sent_at": None,
                "telegram_message_id": None,
                "created_at": now,
            }
            for new in slots
        ]
        if rows:  # one statement, many parameter sets: compiled once, sent in batches
            await self._session.execute(self._insert_new_slots(), rows)

    def _insert_new_slots(self) -> Insert:
        unique = ("chat_id", "slot_key")
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            return postgresql.insert(NudgeSlotRow).on_conflict_do_nothing(index_elements=unique)
        if dialect == "sqlite":
            return sqlite.insert(NudgeSlotRow).on_conflict_do_nothing(index_elements=unique)
        raise NotImplementedError(f"no idempotent insert for the {dialect} dialect")

    async def slots_since(self, patient_ids: Sequence[int], day: dt.date) -> dict[int, list[Slot]]:
        """Each patient's slots from `day` on (the planner's memory of keys and variants)."""
        found: dict[int, list[Slot]] = {pid: [] for pid in patient_ids}
        rows = await self._session.scalars(
            select(NudgeSlotRow).where(
                NudgeSlotRow.patient_id.in_(patient_ids), NudgeSlotRow.day >= day
            )
        )
        for row in rows:
            if row.patient_id is not None:
                found[row.patient_id].append(_slot(row))
        return found

    async def set_horizons(self, until: dict[int, dt.datetime], now: dt.datetime) -> None:
        ids = list(until)
        if not ids:
            return
        await self._session.execute(
            delete(NudgeHorizonRow).where(NudgeHorizonRow.patient_id.in_(ids))
        )
        await self._session.execute(
            insert(NudgeHorizonRow),
            [
                {"patient_id": pid, "planned_until": at, "planned_at": now}
                for pid, at in until.items()
            ],
        )

    async def patients_due_for_planning(self, now: dt.datetime, limit: int) -> list[int]:
        """Patients whose planned horizon has run out (their local day rolled over)."""
        rows = await self._session.scalars(
            select(NudgeHorizonRow.patient_id)
            .where(NudgeHorizonRow.planned_until <= now)
            .order_by(NudgeHorizonRow.planned_until)
            .limit(limit)
        )
        return list(rows)

    async def unplanned_patients(self, after_id: int, limit: int) -> list[int]:
        """Patients never planned, by id from `after_id` (an index walk, not a scan)."""
        planned = select(NudgeHorizonRow.patient_id).where(
            NudgeHorizonRow.patient_id == PatientRow.id
        )
        rows = await self._session.scalars(
            select(PatientRow.id)
            .where(PatientRow.id > after_id, ~planned.exists())
            .order_by(PatientRow.id)
            .limit(limit)
        )
        return list(rows)

    async def nudge_states(
        self, patient_ids: Sequence[int], now: dt.datetime, sessions: dt.timedelta = SESSION_WINDOW
    ) -> dict[int, PatientState]:
        """Patients as nudges see them: profile, check-ins, and sessions from `sessions` ago.

        Not the safety plan or today's moods: no nudge reads them. Patients missing from
        the result are gone (or were never whole), or discharged, or withdrew their consent:
        none of them is nudged again.
        """
        if not patient_ids:
            return {}
        ids = list(patient_ids)
        patients = {
            pid: row
            for pid, row in (
                await self._rows_by_patient(PatientRow.__table__, PatientRow.id, ids)
            ).items()
            if row.discharged_at is None and row.consent_withdrawn_at is None
        }
        profiles = await self._rows_by_patient(ProfileRow.__table__, ProfileRow.patient_id, ids)
        conversations = await self._rows_by_patient(
            ConversationRow.__table__, ConversationRow.patient_id, ids
        )
        checkins: dict[int, list[Any]] = {}
        for row in await self._session.execute(
            select(CheckinRow.__table__)
            .where(CheckinRow.patient_id.in_(ids), CheckinRow.completed_at.is_not(None))
            .order_by(CheckinRow.started_at, CheckinRow.id)
        ):
            checkins.setdefault(row.patient_id, []).append(row)
        recent: dict[int, list[Any]] = {}
        since = now.date() - sessions - dt.timedelta(days=1)  # a day of margin for time zones
        for row in await self._session.execute(
            select(SessionRow.__table__)
            .where(SessionRow.patient_id.in_(ids), SessionRow.day >= since)
            .order_by(SessionRow.day, SessionRow.id)
        ):
            recent.setdefault(row.patient_id, []).append(row)
        plans = await self._latest_barrier_plans(ids, now)
        return {
            pid: PatientState(
                patient=convert.patient_from_row(patients[pid]),
                profile=convert.profile_from_row(profiles[pid]),
                conversation=convert.conversation_from_row(conversations[pid]),
                checkins=[convert.checkin_from_row(c) for c in checkins.get(pid, [])],
                sessions=[convert.session_from_row(r) for r in recent.get(pid, [])],
                barrier_plan=plans.get(pid),
                now=now,
            )
            for pid in ids
            if pid in patients and pid in profiles and pid in conversations
        }

    async def _latest_barrier_plans(
        self, ids: list[int], now: dt.datetime
    ) -> dict[int, BarrierPlan]:
        """Each patient's latest barrier plan of the last few days (its follow-up is a nudge
        at most a day later; older plans have nothing left to ask)."""
        latest: dict[int, BarrierPlan] = {}
        for row in await self._session.execute(
            select(BarrierPlanRow.__table__)
            .where(
                BarrierPlanRow.patient_id.in_(ids),
                BarrierPlanRow.created_at >= now - BARRIER_PLAN_WINDOW,
            )
            .order_by(BarrierPlanRow.created_at, BarrierPlanRow.id)
        ):
            latest[row.patient_id] = BarrierPlan(
                row.barrier, row.script, row.what, row.when, row.created_at
            )
        return latest

    async def _rows_by_patient(self, table: Any, key: Any, ids: list[int]) -> dict[int, Any]:
        """Plain rows (attribute access, as the converters need), keyed by patient id."""
        rows = await self._session.execute(select(table).where(key.in_(ids)))
        name = key.key
        return {getattr(row, name): cast(Any, row) for row in rows}

    # ---------------------------------------------------------------- delivery

    async def due_slots(
        self, now: dt.datetime, limit: int, exclude: Iterable[int] = ()
    ) -> list[StoredSlot]:
        """Planned slots due by `now`, earliest first and, at the same minute, by priority."""
        query = (
            select(NudgeSlotRow)
            .where(NudgeSlotRow.status == SlotStatus.PLANNED.value, NudgeSlotRow.due_at <= now)
            .order_by(NudgeSlotRow.due_at, NudgeSlotRow.rank, NudgeSlotRow.id)
            .limit(limit)
        )
        skipped = list(exclude)
        if skipped:
            query = query.where(NudgeSlotRow.id.not_in(skipped))
        return [_stored(row) for row in await self._session.scalars(query)]

    async def drop_stale_slots(self, due_before: dt.datetime) -> list[StoredSlot]:
        """Drop every planned slot due before `due_before`: after downtime, never a burst."""
        rows = await self._session.scalars(
            update(NudgeSlotRow)
            .where(
                NudgeSlotRow.status == SlotStatus.PLANNED.value,
                NudgeSlotRow.due_at < due_before,
            )
            .values(status=SlotStatus.DROPPED.value, reason="stale")
            .returning(NudgeSlotRow)
        )
        return [_stored(row) for row in rows]

    async def nudge_slot(self, slot_id: int) -> StoredSlot | None:
        row = await self._session.get(NudgeSlotRow, slot_id)
        return None if row is None else _stored(row)

    async def claim_slot(self, slot_id: int, now: dt.datetime) -> bool:
        """`planned` → `sending`, counting an attempt; False if another sender has it."""
        return slot_id in await self.claim_slots([slot_id], now)

    async def claim_slots(
        self,
        slot_ids: Sequence[int],
        now: dt.datetime,
        by: str | None = None,
        lease: dt.timedelta = SLOT_LEASE,
    ) -> set[int]:
        """Claim the slots still planned (one statement); returns the ids claimed.

        The claim is a lease held by `by` until `now + lease`: a second process recovers a
        `sending` slot only once the lease has run out (`sending_slots(now)`).
        """
        if not slot_ids:
            return set()
        result = await self._session.execute(
            update(NudgeSlotRow)
            .where(NudgeSlotRow.id.in_(slot_ids), NudgeSlotRow.status == SlotStatus.PLANNED.value)
            .values(
                status=SlotStatus.SENDING.value,
                attempts=NudgeSlotRow.attempts + 1,
                claimed_at=now,
                claimed_by=by,
                claimed_until=now + lease,
            )
            .returning(NudgeSlotRow.id)
        )
        return {row[0] for row in result}

    async def mark_slot_sent(self, slot_id: int, message_id: int, now: dt.datetime) -> None:
        await self._set(
            slot_id,
            SlotStatus.SENDING,
            status=SlotStatus.SENT.value,
            sent_at=now,
            telegram_message_id=message_id,
            reason=None,
        )

    async def end_slot(
        self,
        slot_id: int,
        status: SlotStatus,
        reason: str,
        *,
        was: SlotStatus = SlotStatus.PLANNED,
    ) -> None:
        """Dropped or held for good, with the reason (for the log and the audit)."""
        await self._set(slot_id, was, status=status.value, reason=reason)

    async def reschedule_slot(self, slot_id: int, due_at: dt.datetime, reason: str) -> None:
        await self._set(slot_id, SlotStatus.PLANNED, due_at=due_at, reason=reason)

    async def release_slot(self, slot_id: int, reason: str, *, count_attempt: bool) -> None:
        """`sending` → `planned` after a send that certainly or possibly did not arrive."""
        values: dict[str, object] = {"status": SlotStatus.PLANNED.value, "reason": reason}
        if not count_attempt:
            values["attempts"] = NudgeSlotRow.attempts - 1
        await self._set(slot_id, SlotStatus.SENDING, **values)

    async def sending_slots(self, now: dt.datetime | None = None) -> list[StoredSlot]:
        """Slots left `sending`; with `now`, only those whose sender's lease has run out."""
        query = select(NudgeSlotRow).where(NudgeSlotRow.status == SlotStatus.SENDING.value)
        if now is not None:
            query = query.where(
                or_(NudgeSlotRow.claimed_until.is_(None), NudgeSlotRow.claimed_until <= now)
            )
        rows = await self._session.scalars(query)
        return [_stored(row) for row in rows]

    async def day_loads(
        self, patient_ids: Sequence[int], days: Iterable[dt.date]
    ) -> dict[tuple[int, dt.date], DayLoad]:
        """Per (patient, local day): nudges already sent, and the ones still to come."""
        wanted = set(days)
        sent: dict[tuple[int, dt.date], int] = {}
        mood_sent: dict[tuple[int, dt.date], int] = {}
        pending: dict[tuple[int, dt.date], list[Slot]] = {}
        if patient_ids and wanted:
            rows = await self._session.execute(
                select(NudgeSlotRow.__table__).where(
                    NudgeSlotRow.patient_id.in_(list(patient_ids)),
                    NudgeSlotRow.day.in_(sorted(wanted)),
                )
            )
            for row in rows:
                key = (row.patient_id, row.day)
                if row.status in _TAKEN:
                    counts = mood_sent if row.kind in _MOOD_KINDS else sent
                    counts[key] = counts.get(key, 0) + 1
                elif row.status == SlotStatus.PLANNED.value:
                    pending.setdefault(key, []).append(_slot(cast(Any, row)))
        return {
            (pid, day): DayLoad(
                sent.get((pid, day), 0),
                tuple(pending.get((pid, day), ())),
                mood_sent.get((pid, day), 0),
            )
            for pid in patient_ids
            for day in wanted
        }

    async def slots_of(self, chat_id: int) -> list[StoredSlot]:
        """A recipient's slots by due time (for tests and the sandbox)."""
        rows = await self._session.scalars(
            select(NudgeSlotRow)
            .where(NudgeSlotRow.chat_id == chat_id)
            .order_by(NudgeSlotRow.due_at, NudgeSlotRow.rank, NudgeSlotRow.id)
        )
        return [_stored(row) for row in rows]

    async def count_slots(self, status: SlotStatus | None = None) -> int:
        query = select(func.count()).select_from(NudgeSlotRow)
        if status is not None:
            query = query.where(NudgeSlotRow.status == status.value)
        return int(await self._session.scalar(query) or 0)

    async def _set(self, slot_id: int, expected: SlotStatus, **values: object) -> None:
        """Update a slot only in the status the caller saw (another sender may have moved it)."""
        await self._session.execute(
            update(NudgeSlotRow)
            .where(NudgeSlotRow.id == slot_id, NudgeSlotRow.status == expected.value)
            .values(**values)
        )

    # ----------------------------------------------------------- supervisors' digest

    async def digest_facts(self, now: dt.datetime) -> list[DigestFacts]:
        """One line of facts per patient, for the weekly digest (read once a week)."""
        patients = await self._session.execute(
            select(PatientRow, ProfileRow.age)
            .join(ProfileRow, ProfileRow.patient_id == PatientRow.id)
            .order_by(PatientRow.id)
        )
        scores: dict[int, list[tuple[dt.datetime, int]]] = {}
        for pid, at, total in await self._session.execute(
            select(CheckinRow.patient_id, CheckinRow.completed_at, CheckinRow.total)
            .where(
                CheckinRow.instrument_id == PHQ9,
                CheckinRow.completed_at.is_not(None),
                CheckinRow.total.is_not(None),
            )
            .order_by(CheckinRow.started_at, CheckinRow.id)
        ):
            if at is not None and total is not None:
                scores.setdefault(pid, []).append((at, total))
        days: dict[int, list[dt.date]] = {}
        for pid, day in await self._session.execute(
            select(SessionRow.patient_id, SessionRow.day).where(
                SessionRow.status.in_(_ACTIVE_SESSIONS), SessionRow.day >= now.date() - WEEK
            )
        ):
            days.setdefault(pid, []).append(day)
        open_flags = await self._session.execute(
            select(EscalationRow.patient_id, func.count())
            .where(EscalationRow.state != RESOLVED)
            .group_by(EscalationRow.patient_id)
        )
        flags: dict[int, int] = {pid: int(count) for pid, count in open_flags}
        facts = []
        for patient, age in patients:
            today = now.astimezone(tz_for(patient.timezone)).date()
            history = scores.get(patient.id, [])
            facts.append(
                DigestFacts(
                    code=patient.code,
                    journey=patient.journey,
                    has_programme=patient.journey in programme.PROGRAMME_JOURNEYS
                    and age is not None,
                    timezone=patient.timezone,
                    baseline_at=history[0][0] if history else None,
                    baseline_total=history[0][1] if history else None,
                    latest_at=history[-1][0] if history else None,
                    latest_total=history[-1][1] if history else None,
                    sessions_last_7_days=sum(
                        1 for d in days.get(patient.id, []) if today - WEEK < d <= today
                    ),
                    open_flags=flags.get(patient.id, 0),
                )
            )
        return facts
