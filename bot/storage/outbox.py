"""The alert outbox: supervisor messages are recorded before they are sent.

An escalation step decides *who* must be told and writes one pending delivery per chat in
the same transaction; a sender then works through due deliveries, marking each sent or
failed (with a retry time). A crash between deciding and sending therefore loses nothing,
and the unique (escalation, step, chat) means a retried step is never sent twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.care_models import CareMessageRow
from bot.storage.models import DeliveryRow
from bot.storage.scope import SessionScope

# The outboxes whose rows are sent under a lease until Telegram confirms.
Leased = TypeVar("Leased", DeliveryRow, CareMessageRow)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanently: the sender gave up (blocked bot, chat gone, …)


@dataclass(frozen=True)
class Delivery:
    id: int
    escalation_id: int
    step: int
    chat_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    telegram_message_id: int | None
    last_error: str | None
    # When the step was queued (tells a reminder from a re-escalation); not part of identity.
    created_at: dt.datetime | None = field(default=None, compare=False)
    # A previous claim ended without a recorded outcome (its process died mid-send): the
    # alert may have arrived already, and the Bot API cannot tell. Set by the claim.
    interrupted: bool = field(default=False, compare=False)


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        escalation_id=row.escalation_id,
        step=row.step,
        chat_id=row.chat_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        telegram_message_id=row.telegram_message_id,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def due_condition(model: type[Leased], until: Any, now: Any) -> ColumnElement[bool]:
    """An outbox row is due: pending, its time come by `until`, no live lease at `now`."""
    return and_(
        model.status == DeliveryStatus.PENDING.value,
        model.next_attempt_at <= until,
        or_(model.claimed_until.is_(None), model.claimed_until <= now),
    )


def due_for_delivery(
    model: type[Leased], until: dt.datetime, now: dt.datetime, limit: int
) -> Select[Leased]:
    """Pending rows of an outbox (alerts, the care team's messages) due by `until` and not
    leased to a live sender, oldest first, locked so that a second process skips them."""
    return (
        select(model)
        .where(due_condition(model, until, now))
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


class OutboxMixin(SessionScope):
    async def add_deliveries(
        self, escalation_id: int, step: int, chat_ids: Iterable[int], now: dt.datetime
    ) -> None:
        """Queue step `step` of an escalation for each chat; rows already queued are kept."""
        rows = [
            {
                "escalation_id": escalation_id,
                "step": step,
                "chat_id": chat_id,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for chat_id in dict.fromkeys(chat_ids)
        ]
        if rows:
            await self._session.execute(
                self._insert_ignoring_duplicates(
                    DeliveryRow, rows, unique=("escalation_id", "step", "chat_id")
                )
            )

    async def due_deliveries(self, now: dt.datetime, limit: int = 100) -> list[Delivery]:
        """Pending deliveries whose time has come and that nobody holds a lease on."""
        rows = await self._session.scalars(self._due(now, now, limit))
        return [_delivery(row) for row in rows]

    async def claim_due_deliveries(
        self,
        until: dt.datetime,
        by: str,
        lease: dt.timedelta,
        now: dt.datetime,
        limit: int = 100,
    ) -> list[Delivery]:
        """Lease the deliveries due by `until` to sender `by` until `now + lease`.

        The rows are selected `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's transactions
        take the write lock at BEGIN) and leased in the same transaction: the lease outlives
        the transaction, so a second process skips them while this one sends. A sender that
        dies mid-send leaves a lease that runs out, and the row is sent by whoever comes next.
        """
        rows = list(await self._session.scalars(self._due(until, now, limit)))
        claimed = []
        for row in rows:
            interrupted = row.claimed_by is not None  # a lease that ended without an outcome
            row.claimed_by = by
            row.claimed_until = now + lease
            claimed.append(dataclasses.replace(_delivery(row), interrupted=interrupted))
        return claimed

    def _due(self, until: dt.datetime, now: dt.datetime, limit: int) -> Select[DeliveryRow]:
        return due_for_delivery(DeliveryRow, until, now, limit)

    async def deliveries_for(self, escalation_id: int) -> list[Delivery]:
        rows = await self._session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.escalation_id == escalation_id)
            .order_by(DeliveryRow.step, DeliveryRow.id)
        )
        return [_delivery(row) for row in rows]

    async def mark_delivered(self, delivery_id: int, message_id: int, now: dt.datetime) -> None:
        row = await self._row(delivery_id)
        row.status = DeliveryStatus.SENT.value
        row.attempts += 1
        row.telegram_message_id = message_id
        row.sent_at = now
        row.last_attempt_at = now
        row.next_attempt_at = None
        row.claimed_by = row.claimed_until = None

    async def mark_failed(
        self,
        delivery_id: int,
        error: str,
        next_attempt_at: dt.datetime | None,
        permanent: bool,
        now: dt.datetime,
    ) -> None:
        """Record a failed attempt; retry at `next_attempt_at` unless `permanent`."""
        row = await self._row(delivery_id)
        row.attempts += 1
        row.last_error = error
        row.last_attempt_at = now
        row.claimed_by = row.claimed_until = None
        if permanent or next_attempt_at is None:
            row.status = DeliveryStatus.FAILED.value
            row.next_attempt_at = None
        else:
            row.next_attempt_at = next_attempt_at

    async def _row(self, delivery_id: int) -> DeliveryRow:
        row = await self._session.get(DeliveryRow, delivery_id)
        if row is None:
            raise LookupError(f"no delivery {delivery_id}")
        return row
