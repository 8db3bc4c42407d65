"""Exactly-once handling of Telegram updates.

Telegram re-delivers an update when the bot did not confirm it (after a crash, say). The
handler claims the update id in the same transaction as the update's effects: if the effects
commit, so does the claim, and a second delivery finds the id taken and is skipped.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from bot.storage.models import ProcessedUpdateRow
from bot.storage.scope import SessionScope


class UpdatesMixin(SessionScope):
    async def claim_update(self, update_id: int, now: dt.datetime) -> bool:
        """True if this transaction is the first to handle `update_id`."""
        claim = self._insert_ignoring_duplicates(
            ProcessedUpdateRow, [{"update_id": update_id, "at": now}], unique=("update_id",)
        ).returning(ProcessedUpdateRow.update_id)
        return (await self._session.execute(claim)).first() is not None

    async def forget_updates_before(self, cutoff: dt.datetime) -> int:
        """Drop claims older than `cutoff` (Telegram keeps updates for 24 hours at most)."""
        forgotten = await self._session.scalars(
            delete(ProcessedUpdateRow)
            .where(ProcessedUpdateRow.at < cutoff)
            .returning(ProcessedUpdateRow.update_id)
        )
        return len(forgotten.all())
