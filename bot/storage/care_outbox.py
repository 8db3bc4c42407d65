"""The relayed-message outbox: a supervisor's message to a patient, stored before it is sent.

The same shape and rules as the alert outbox (`bot.storage.outbox`): pending rows with a
retry time, leased to one sender (`claimed_by`, `claimed_until`, selected `FOR UPDATE SKIP
LOCKED` on PostgreSQL), marked sent or failed. Kept in its own table because a message is not
a step of an escalation (a supervisor may write from the patient view with no incident open).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select

from bot.storage.care_models import CareMessageRow
from bot.storage.outbox import DeliveryStatus, due_for_delivery
from bot.storage.scope import SessionScope


@dataclass(frozen=True)
class CareMessage:
    id: int
    patient_id: int
    chat_id: int
    supervisor_id: int
    body: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    telegram_message_id: int | None
    to_supervisor: bool = False  # a patient's reply, to the supervisor handling the incident


def _message(row: CareMessageRow) -> CareMessage:
    return CareMessage(
        id=row.id,
        patient_id=row.patient_id,
        chat_id=row.chat_id,
        supervisor_id=row.supervisor_id,
        body=row.body,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        telegram_message_id=row.telegram_message_id,
        to_supervisor=row.to_supervisor,
    )


class CareOutboxMixin(SessionScope):
    async def add_care_message(
        self,
        patient_id: int,
        chat_id: int,
        supervisor_id: int,
        body: str,
        now: dt.datetime,
        *,
        to_supervisor: bool = False,
        due_at: dt.datetime | None = None,
    ) -> int:
        """Queue `body` for the patient's chat (or, `to_supervisor`, the patient's reply for
        the supervisor's), due at `due_at` (default now); its id."""
        row = CareMessageRow(
            patient_id=patient_id,
            chat_id=chat_id,
            supervisor_id=supervisor_id,
            to_supervisor=to_supervisor,
            body=body,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=due_at or now,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def claim_due_care_messages(
        self,
        until: dt.datetime,
        by: str,
        lease: dt.timedelta,
        now: dt.datetime,
        limit: int = 100,
        only: int | None = None,
    ) -> list[CareMessage]:
        """Lease the messages due by `until` (or just message `only`) to sender `by` until
        `now + lease`."""
        query = self._due_care(until, now, limit)
        if only is not None:
            query = query.where(CareMessageRow.id == only)
        rows = list(await self._session.scalars(query))
        for row in rows:
            row.claimed_by = by
            row.claimed_until = now + lease
        return [_message(row) for row in rows]

    def _due_care(
        self, until: dt.datetime, now: dt.datetime, limit: int
    ) -> Select[CareMessageRow]:
        return due_for_delivery(CareMessageRow, until, now, limit)

    async def care_messages_for(self, patient_id: int) -> list[CareMessage]:
        rows = await self._session.scalars(
            select(CareMessageRow)
            .where(CareMessageRow.patient_id == patient_id)
            .order_by(CareMessageRow.id)
        )
        return [_message(row) for row in rows]

    async def mark_care_message_sent(
        self, message_id: int, telegram_message_id: int, now: dt.datetime
    ) -> None:
        row = await self._session.get_one(CareMessageRow, message_id)
        row.status = DeliveryStatus.SENT.value
        row.attempts += 1
        row.telegram_message_id = telegram_message_id
        row.sent_at = row.last_attempt_at = now
        row.next_attempt_at = None
        row.claimed_by = row.claimed_until = None

    async def mark_care_message_failed(
        self,
        message_id: int,
        error: str,
        next_attempt_at: dt.datetime | None,
        now: dt.datetime,
    ) -> None:
        """A failed attempt: tried again at `next_attempt_at`, or given up for good (None)."""
        row = await self._session.get_one(CareMessageRow, message_id)
        row.attempts += 1
        row.last_error = error[:500]
        row.last_attempt_at = now
        row.claimed_by = row.claimed_until = None
        row.next_attempt_at = next_attempt_at
        if next_attempt_at is None:
            row.status = DeliveryStatus.FAILED.value
