"""Who is told about an escalation at each step, and when the next step is due.

Step 0 goes to every primary supervisor and the team chat; every later step (no
acknowledgement in time, or a supervisor Telegram refused) also goes to the backups.
"""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.storage.repository import Transaction
from dialogs.records import Escalation, Priority


def recipients(settings: Settings, step: int) -> list[int]:
    chats = list(settings.supervisor_ids)
    if step > 0:
        chats += [c for c in settings.backup_supervisor_ids if c not in chats]
    if settings.supervisor_chat_id is not None:
        chats.append(settings.supervisor_chat_id)
    return chats


async def open_escalations(
    tx: Transaction, escalation_ids: list[int], settings: Settings, now: dt.datetime
) -> None:
    """Queue step 0 in the outbox, in the transaction that stored the escalation."""
    for escalation_id in escalation_ids:
        escalation = await tx.escalation(escalation_id)
        if escalation is None:
            continue
        await tx.add_deliveries(escalation_id, 0, recipients(settings, 0), now)
        escalation.next_action_at = next_action(escalation, settings, now)
        await tx.update_escalation(escalation)


def next_action(
    escalation: Escalation, settings: Settings, now: dt.datetime
) -> dt.datetime | None:
    """Urgent alerts are chased until acknowledged, then until resolved; routine ones wait."""
    if escalation.priority is not Priority.URGENT or escalation.state == "resolved":
        return None
    if escalation.state == "acknowledged":
        return now + dt.timedelta(seconds=settings.escalation_resolve_seconds)
    return now + dt.timedelta(seconds=settings.escalation_ack_seconds)
