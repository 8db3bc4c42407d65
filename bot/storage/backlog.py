"""What is waiting, for `/metrics`: undelivered alerts, due and sent nudges.

Read at scrape time from the database rather than counted in memory, because with several
replicas no single process knows the totals. Each is one aggregate over an indexed column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.storage.inbox_models import InboxRow
from bot.storage.models import DeliveryRow
from bot.storage.nudge_models import NudgeSlotRow
from bot.storage.outbox import DeliveryStatus
from bot.storage.scope import SessionScope
from bot.storage.updates import PENDING as INBOX_PENDING
from dialogs.nudges import SlotStatus


@dataclass(frozen=True)
class Backlog:
    alerts_pending: int
    oldest_alert: dt.datetime | None
    nudges_due: int
    nudges_sent: int
    inbox_depth: int | None = None


class BacklogMixin(SessionScope):
    async def backlog(self, now: dt.datetime) -> Backlog:
        pending = DeliveryRow.status == DeliveryStatus.PENDING.value
        alerts = (
            await self._session.execute(
                select(func.count(), func.min(DeliveryRow.created_at)).where(pending)
            )
        ).one()
        due = await self._session.scalar(
            select(func.count()).where(
                NudgeSlotRow.status == SlotStatus.PLANNED.value, NudgeSlotRow.due_at <= now
            )
        )
        sent = await self._session.scalar(
            select(func.count()).where(NudgeSlotRow.status == SlotStatus.SENT.value)
        )
        depth = await self._session.scalar(
            select(func.count()).where(InboxRow.status == INBOX_PENDING)
        )
        return Backlog(
            alerts_pending=int(alerts[0]),
            oldest_alert=alerts[1],
            nudges_due=int(due or 0),
            nudges_sent=int(sent or 0),
            inbox_depth=int(depth or 0),
        )
