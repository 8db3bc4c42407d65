"""Who is told about an escalation at each step, and when the next step is due.

Step 0 goes to every primary supervisor and the team chat; every later step (no
acknowledgement in time, or a supervisor Telegram refused) also goes to the backups.

The patient's own crisis reply is queued too, as step `PATIENT_REPLY_STEP` to the patient's
chat, due only after `PATIENT_REPLY_GRACE`: the handler sends the reply at once and marks
that row sent; if Telegram or the process failed first, the relay sends it later, so a crisis
reply lost to an outage or a crash still reaches the patient.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from bot.clock import Clock
from bot.config import Settings
from bot.storage.outbox import DeliveryStatus
from bot.storage.repository import Store, Transaction
from dialogs.records import AuditEvent, Escalation, Priority

log = logging.getLogger(__name__)

PATIENT_REPLY_STEP = -1
PATIENT_REPLY_GRACE = dt.timedelta(seconds=30)


def recipients(settings: Settings, step: int) -> list[int]:
    """The chats told at `step`: primaries (+ backups after step 0) and the team chat.

    With no primary supervisor configured the backups are told at once: an alert must always
    reach somebody (`stride doctor` reports the missing SUPERVISOR_IDS).
    """
    chats = list(settings.supervisor_ids)
    if step > 0 or not chats:
        chats += [c for c in settings.backup_supervisor_ids if c not in chats]
    if settings.supervisor_chat_id is not None and settings.supervisor_chat_id not in chats:
        chats.append(settings.supervisor_chat_id)
    return chats


def is_patient_reply(step: int) -> bool:
    return step == PATIENT_REPLY_STEP


async def open_escalations(
    tx: Transaction,
    escalation_ids: list[int],
    settings: Settings,
    now: dt.datetime,
    patient_chat: int | None = None,
) -> None:
    """Queue step 0 in the outbox, in the transaction that stored the escalation."""
    for escalation_id in escalation_ids:
        escalation = await tx.escalation(escalation_id)
        if escalation is None:
            continue
        chats = recipients(settings, 0)
        if not chats:
            log.critical(
                "ESCALATION %s HAS NO RECIPIENT: set SUPERVISOR_IDS (see `stride doctor`)",
                escalation_id,
            )
        await tx.add_deliveries(escalation_id, 0, chats, now)
        if patient_chat is not None and escalation.priority is Priority.URGENT:
            await tx.add_deliveries(
                escalation_id, PATIENT_REPLY_STEP, [patient_chat], now + PATIENT_REPLY_GRACE
            )
        escalation.next_action_at = next_action(escalation, settings, now)
        await tx.update_escalation(escalation)
        await tx.add_audit(
            AuditEvent(
                "escalation.opened",
                "stride",
                escalation.patient_code,
                {
                    "id": escalation.id,
                    "trigger": escalation.trigger.value,
                    "priority": escalation.priority.value,
                    "to": chats,
                },
            ),
            now,
        )


async def patient_reply_sent(
    store: Store, clock: Clock, escalation_ids: Sequence[int], message_id: int
) -> None:
    """The handler delivered the crisis reply itself: the relay must not send it again."""
    if not escalation_ids:
        return
    now = clock.now()
    async with store.transaction() as tx:
        for escalation_id in escalation_ids:
            for delivery in await tx.deliveries_for(escalation_id):
                if is_patient_reply(delivery.step) and delivery.status is DeliveryStatus.PENDING:
                    await tx.mark_delivered(delivery.id, message_id, now)


def next_action(
    escalation: Escalation, settings: Settings, now: dt.datetime
) -> dt.datetime | None:
    """Urgent alerts are chased until acknowledged, then until resolved; routine ones wait."""
    if escalation.priority is not Priority.URGENT or escalation.state == "resolved":
        return None
    if escalation.state == "acknowledged":
        return now + dt.timedelta(seconds=settings.escalation_resolve_seconds)
    return now + dt.timedelta(seconds=settings.escalation_ack_seconds)
