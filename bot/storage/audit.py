"""The audit trail: who did what to whom, and when. Append-only by construction.

There is deliberately no method to change or remove an entry; a correction is a new event.
"""

from __future__ import annotations

import copy
import datetime as dt

from sqlalchemy import select

from bot.storage import convert
from bot.storage.models import AuditRow
from bot.storage.scope import SessionScope
from dialogs.records import AuditEvent


def audit_row(event: AuditEvent, now: dt.datetime) -> AuditRow:
    """Build the row for `event`, stamped `now` unless the event carries its own time."""
    return AuditRow(
        at=event.at or now,
        actor=event.actor,
        action=event.action,
        subject=event.subject,
        details=copy.deepcopy(event.details),
    )


class AuditMixin(SessionScope):
    async def add_audit(self, event: AuditEvent, now: dt.datetime) -> None:
        self._session.add(audit_row(event, now))

    async def audit_events(self, subject: str | None = None) -> list[AuditEvent]:
        """Events oldest first; all of them, or those about one `subject`."""
        query = select(AuditRow).order_by(AuditRow.at, AuditRow.id)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        return [convert.audit_from_row(row) for row in await self._session.scalars(query)]
