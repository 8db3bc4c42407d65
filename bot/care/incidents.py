"""What a supervisor does to an incident: acknowledge it, record an outcome, see it.

Each is one transaction with the incident's row locked, audited with who and when. An
outcome closes the incident with its attached triggers, except "unreachable — keep trying",
which keeps it open in the supervisor's hands with a reminder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.alerts import routing
from bot.alerts.messages import ACK_ACTION, OUTCOMES
from bot.alerts.relay import fire
from bot.care.alert_view import mark_seen
from bot.services import Services
from bot.storage.repository import Transaction
from dialogs.records import AuditEvent, Escalation
from state_machines.engine import InvalidTransition

UNREACHABLE = "unreachable"
MAX_NOTE = 500


@dataclass(frozen=True)
class OutcomeResult:
    escalation: Escalation | None
    changed: bool
    still_open: bool = False
    unseen: bool = False  # a trigger joined after the supervisor last looked: nothing done


def _acknowledge(escalation: Escalation, by: int, now: dt.datetime) -> bool:
    try:
        fire(escalation, "acknowledge")
    except InvalidTransition:
        return False
    escalation.acknowledged_by = by
    escalation.acknowledged_at = now
    return True


async def acknowledge(
    services: Services, escalation_id: int, by: int, name: str | None = None
) -> tuple[Escalation | None, bool]:
    """Acknowledge once; (the escalation as it now is, whether this call changed it)."""
    now = services.clock.now()
    async with services.store.transaction() as tx:
        escalation = await tx.escalation(escalation_id, for_update=True)
        if escalation is None:
            return None, False
        await mark_seen(tx, escalation.id, by)
        if not _acknowledge(escalation, by, now):
            return escalation, False
        info = await tx.incident_info(escalation.id)
        escalation.next_action_at = routing.next_action(escalation, services.settings, now, info)
        await tx.update_escalation(escalation)
        await tx.add_audit(
            AuditEvent(
                ACK_ACTION,
                f"supervisor:{by}",
                escalation.patient_code,
                {"id": escalation.id, "name": (name or "")[:64]},
            ),
            now,
        )
        return escalation, True


async def record_outcome(
    services: Services, escalation_id: int, by: int, outcome: str, note: str
) -> OutcomeResult:
    """Close the incident with `outcome` and `note`, or keep it open for "unreachable".

    Nothing happens (`unseen`) when a trigger joined the incident after the supervisor last
    saw it: they chose the outcome for what they had seen, not for what came since.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    note = note.strip()[:MAX_NOTE]
    if not note:
        raise ValueError("an outcome needs a note")
    now = services.clock.now()
    async with services.store.transaction() as tx:
        escalation = await tx.escalation(escalation_id, for_update=True)
        if escalation is None or escalation.state == "resolved":
            return OutcomeResult(escalation, False)
        info = await tx.incident_info(escalation.id)
        if info is None:
            return OutcomeResult(escalation, False)
        if not info.has_seen(by):  # never close what they have not seen (a new trigger)
            return OutcomeResult(escalation, False, unseen=True)
        if outcome == UNREACHABLE:
            _acknowledge(escalation, by, now)  # they tried: it is in their hands now
            info.outcome = UNREACHABLE
            info.handler_id = by
            await tx.save_incident_info(info)
            escalation.next_action_at = now + dt.timedelta(
                seconds=services.settings.escalation_remind_seconds
            )
            await tx.update_escalation(escalation)
            await _audit(tx, "incident.unreachable", escalation, by, now, outcome, note)
            return OutcomeResult(escalation, True, still_open=True)
        for item in [escalation, *info.triggers]:
            await _resolve(tx, item, by, now, note)
        info.outcome = outcome
        info.handler_id = None
        await tx.save_incident_info(info)
        await _audit(tx, "escalation.resolved", escalation, by, now, outcome, note)
        return OutcomeResult(escalation, True)


async def _resolve(
    tx: Transaction, escalation: Escalation, by: int, now: dt.datetime, note: str
) -> None:
    if escalation.state == "resolved":
        return
    fire(escalation, "resolve")
    escalation.resolved_by = by
    escalation.resolved_at = now
    escalation.resolution_note = note
    escalation.next_action_at = None
    await tx.update_escalation(escalation)


async def _audit(
    tx: Transaction,
    action: str,
    escalation: Escalation,
    by: int,
    now: dt.datetime,
    outcome: str,
    note: str,
) -> None:
    await tx.add_audit(
        AuditEvent(
            action,
            f"supervisor:{by}",
            escalation.patient_code,
            {"id": escalation.id, "outcome": outcome, "note": note},
        ),
        now,
    )


async def open_incident_of(services: Services, code: str) -> tuple[bool, Escalation | None]:
    """(whether a patient has this code, their open incident)."""
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_code(code)
        if card is None:
            return False, None
        return True, await tx.open_incident(card.id)
