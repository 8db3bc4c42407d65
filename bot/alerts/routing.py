"""Who is told about an incident at each step, and when the next step is due.

The escalation chain is configuration (`Settings.escalation_levels`): level 0's people (and
the team chat) get the alert when an incident opens; unacknowledged after that level's wait,
the next level's people get it, each person once. Past the last level, and once acknowledged
until resolved, the incident only *reminds*: one short message per incident per interval.

A trigger raised while the patient already has an open incident joins it (see
`open_escalations`): the alert is edited and one short "new trigger" line goes to whoever
had it. Delivery steps in the outbox (unique per incident, step and chat) say what a row is:

    0..REMINDER_STEP-1    the alert at that level of the chain
    REMINDER_STEP + n     the n-th reminder
    TRIGGER_STEP + n      the n-th trigger added to the incident
    PATIENT_REPLY_STEP    the patient's own crisis reply

The patient's own crisis reply is queued as step `PATIENT_REPLY_STEP` to the patient's chat,
due only after `PATIENT_REPLY_GRACE`: the handler sends the reply at once and marks that row
sent; if Telegram or the process failed first, the relay sends it later.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from enum import StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.storage.escalations import IncidentInfo
from bot.storage.outbox import DeliveryStatus
from bot.storage.repository import Store, Transaction
from dialogs.records import AuditEvent, Escalation, Priority

log = logging.getLogger(__name__)

PATIENT_REPLY_STEP = -1
PATIENT_REPLY_GRACE = dt.timedelta(seconds=30)
REMINDER_STEP = 1000
TRIGGER_STEP = 2000


class StepKind(StrEnum):
    ALERT = "alert"
    REMINDER = "reminder"
    TRIGGER = "trigger"
    PATIENT_REPLY = "patient_reply"


def step_kind(step: int) -> StepKind:
    if step == PATIENT_REPLY_STEP:
        return StepKind.PATIENT_REPLY
    if step >= TRIGGER_STEP:
        return StepKind.TRIGGER
    if step >= REMINDER_STEP:
        return StepKind.REMINDER
    return StepKind.ALERT


def level_people(settings: Settings, level: int) -> list[int]:
    """The people on `level` of the chain (none past its end)."""
    levels = settings.escalation_levels
    return list(levels[level].people) if 0 <= level < len(levels) else []


def recipients(settings: Settings, level: int) -> list[int]:
    """The chats told at `level`: that level's people, plus the team chat at level 0.

    With nobody on the first level the next level with people is told at once: an alert must
    always reach somebody (`stride doctor` reports the missing SUPERVISOR_IDS).
    """
    chats = level_people(settings, level)
    if level == 0:
        for later in range(1, len(settings.escalation_levels)):
            if chats:
                break
            chats = level_people(settings, later)
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
    """Open an incident for each new escalation, or add it to the patient's open incident;
    queue the messages in the outbox, in the transaction that stored the escalation."""
    for escalation_id in escalation_ids:
        escalation = await tx.escalation(escalation_id)
        if escalation is None:
            continue
        if patient_chat is not None and escalation.priority is Priority.URGENT:
            await tx.add_deliveries(
                escalation_id, PATIENT_REPLY_STEP, [patient_chat], now + PATIENT_REPLY_GRACE
            )
        incident = await tx.open_incident(escalation.patient_id, exclude=escalation_id, lock=True)
        if incident is not None:
            await add_trigger(tx, incident, escalation, settings, now)
            continue
        chats = recipients(settings, 0)
        if not chats:
            log.critical(
                "ESCALATION %s HAS NO RECIPIENT: set SUPERVISOR_IDS (see `stride doctor`)",
                escalation_id,
            )
        await tx.add_deliveries(escalation_id, 0, chats, now)
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


async def add_trigger(
    tx: Transaction,
    incident: Escalation,
    escalation: Escalation,
    settings: Settings,
    now: dt.datetime,
) -> None:
    """One more trigger for an open incident: no new alert, one short line to whoever has
    the alert already (the relay also edits their alert). An urgent trigger makes a routine
    incident urgent, and an unacknowledged one is chased from now on."""
    await tx.attach_trigger(escalation.id, incident.id)
    info = await tx.incident_info(incident.id)
    count = info.trigger_count if info is not None else 2
    told = sorted(
        {
            d.chat_id
            for d in await tx.deliveries_for(incident.id)
            if step_kind(d.step) is StepKind.ALERT and d.status is DeliveryStatus.SENT
        }
    )
    await tx.add_deliveries(incident.id, TRIGGER_STEP + count - 1, told, now)
    if escalation.priority is Priority.URGENT and incident.priority is not Priority.URGENT:
        await tx.raise_priority(incident.id, Priority.URGENT.value)
        incident.priority = Priority.URGENT
        incident.next_action_at = next_action(incident, settings, now)
        await tx.update_escalation(incident)
    await tx.add_audit(
        AuditEvent(
            "incident.trigger_added",
            "stride",
            escalation.patient_code,
            {
                "id": incident.id,
                "escalation": escalation.id,
                "trigger": escalation.trigger.value,
                "to": told,
            },
        ),
        now,
    )


async def told_chats(tx: Transaction, incident_id: int) -> list[int]:
    """Every chat the alert was queued for (sent, pending or refused), in order."""
    return list(
        dict.fromkeys(
            d.chat_id
            for d in await tx.deliveries_for(incident_id)
            if step_kind(d.step) is StepKind.ALERT
        )
    )


async def reminder_chats(
    tx: Transaction, escalation: Escalation, info: IncidentInfo, settings: Settings
) -> list[int]:
    """Who a reminder goes to: whoever acknowledged or handles the incident, else everyone
    the alert reached (nobody who refused it)."""
    owner = info.handler_id or escalation.acknowledged_by
    if escalation.state == "acknowledged" and owner is not None:
        return [owner]
    reached = [
        d.chat_id
        for d in await tx.deliveries_for(escalation.id)
        if step_kind(d.step) is StepKind.ALERT and d.status is not DeliveryStatus.FAILED
    ]
    return list(dict.fromkeys(reached)) or list(settings.all_supervisor_ids)


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
    escalation: Escalation,
    settings: Settings,
    now: dt.datetime,
    info: IncidentInfo | None = None,
) -> dt.datetime | None:
    """When the incident is next looked at: the current level's wait while the chain has
    more levels; then reminders (`reminder_delay`). Routine incidents are never chased."""
    if escalation.priority is not Priority.URGENT or escalation.state == "resolved":
        return None
    levels = settings.escalation_levels
    unacknowledged = escalation.state in ("open", "notified")
    if unacknowledged and escalation.level < len(levels) - 1:
        return now + dt.timedelta(seconds=levels[max(0, escalation.level)].wait_seconds)
    return now + reminder_delay(settings, info.reminders if info else 0, not unacknowledged)


def reminder_delay(settings: Settings, sent: int, acknowledged: bool) -> dt.timedelta:
    """How long until the next reminder, after `sent` reminders.

    Acknowledged: ESCALATION_RESOLVE_SECONDS each time. Unacknowledged past the last level:
    ESCALATION_REMIND_SECONDS, doubling after each reminder, never longer than
    ESCALATION_RESOLVE_SECONDS — an ignored alert keeps coming back without flooding.
    """
    cap = settings.escalation_resolve_seconds
    if acknowledged:
        return dt.timedelta(seconds=cap)
    return dt.timedelta(seconds=min(cap, settings.escalation_remind_seconds * 2 ** min(sent, 30)))


def reminder_bound(settings: Settings, incidents: int, seconds: float) -> int:
    """The most messages one supervisor on every level gets for `incidents` urgent incidents
    left unacknowledged for `seconds`: incidents x (levels + reminders), the reminders
    spaced as `reminder_delay` says (new-trigger lines come on top, one per trigger)."""
    levels = len(settings.escalation_levels)
    elapsed = float(sum(settings.escalation_levels[i].wait_seconds for i in range(levels - 1)))
    reminders, sent = 0, 0
    while True:
        elapsed += reminder_delay(settings, sent, acknowledged=False).total_seconds()
        if elapsed > seconds:
            break
        reminders += 1
        sent += 1
    return incidents * (levels + reminders)
