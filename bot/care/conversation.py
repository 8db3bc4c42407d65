"""Messages between a supervisor and a patient, relayed by the bot.

"Message patient" (on an alert or a patient view) makes the supervisor's *next* message go
to the patient as "From your care team, Sam: …". While the incident is open, the patient's
typed replies go back to the supervisor handling it — and still through the risk screen,
so risk language in a reply raises a trigger like anywhere else. Every message both ways is
written to the audit log (before it is sent), with its text, by whom and to whom; a message
to the patient, and a patient's reply to the supervisor, is stored in the relay outbox in
that same transaction (bot/care/outbox.py), and retried until Telegram takes it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram.ext import ExtBot

from bot.alerts.messages import reader_for
from bot.care import outbox
from bot.care.alert_view import mark_seen
from bot.leases import instance_name
from bot.pipeline import Handled, Sender
from bot.services import Services
from bot.storage.care import CareSession
from bot.storage.outbox import DeliveryStatus
from bot.storage.repository import Transaction
from dialogs import safety
from dialogs.context import DialogContext
from dialogs.events import MAX_TEXT_LENGTH, Event, Text
from dialogs.records import AuditEvent
from dialogs.screens import Screen, say
from dialogs.state import Outcome, PatientState

log = logging.getLogger(__name__)
MESSAGE = "message"


async def start_message(
    services: Services, supervisor_id: int, patient_id: int, escalation_id: int | None
) -> str | None:
    """The supervisor's next message goes to this patient; their code, or None if unknown."""
    now = services.clock.now()
    async with services.store.transaction() as tx:
        card = await tx.patient_card(patient_id)
        if card is None:
            return None
        await tx.set_care_session(
            CareSession(supervisor_id, MESSAGE, patient_id, escalation_id, None, now)
        )
        if escalation_id is not None:
            await mark_seen(tx, escalation_id, supervisor_id)
        return card.code


async def send_to_patient(
    bot: ExtBot[Any],
    services: Services,
    session: CareSession,
    supervisor_id: int,
    name: str,
    text: str,
) -> tuple[str, DeliveryStatus]:
    """Relay `text` to the patient; (their code, where the message stands).

    The message is stored in the relay outbox with its audit record, then sent at once; if
    Telegram does not take it now (PENDING), the escalation relay keeps trying, also after a
    restart, and tells the supervisor when it arrives. The incident (if still open) now has
    this supervisor as its handler, so the patient's replies come back to them.
    """
    now = services.clock.now()
    text = text.strip()[:MAX_TEXT_LENGTH]
    async with services.store.transaction() as tx:
        await tx.clear_care_session(supervisor_id)
        card = await tx.patient_card(session.patient_id)
        if card is None:
            return "—", DeliveryStatus.FAILED
        incident = await tx.open_incident(card.id, lock=True)
        if incident is not None:
            info = await tx.incident_info(incident.id)
            if info is not None:
                info.handler_id = supervisor_id
                await tx.save_incident_info(info)
        await tx.add_audit(
            AuditEvent(
                "care.message_to_patient",
                f"supervisor:{supervisor_id}",
                card.code,
                {"text": text, "incident": incident.id if incident else None},
            ),
            now,
        )
        body = services.content.texts.get(
            card.language, "care.patient.from_team", name=name or "—", text=text
        )
        queued = await tx.add_care_message(
            card.id, card.chat_id, supervisor_id, body, now, due_at=now + outbox.WRITER_FIRST
        )
    done = await outbox.deliver_due(bot, services, instance_name(), only=queued)
    return card.code, done.get(queued, DeliveryStatus.PENDING)


async def handle_patient(
    bot: ExtBot[Any], services: Services, sender: Sender, event: Event, update_id: int | None
) -> Handled | None:
    """A patient's typed message while their care team talks with them: screened for risk,
    relayed to the supervisor handling the incident, and acknowledged in one line.
    None when no conversation is open (the patient pipeline handles the message)."""
    if not isinstance(event, Text):
        return None
    async with services.store.transaction() as tx:
        card = await tx.patient_card_by_telegram(sender.user_id)
        incident = await tx.open_incident(card.id) if card is not None else None
        info = await tx.incident_info(incident.id) if incident is not None else None
    if card is None or info is None or info.handler_id is None:
        return None
    if not services.is_supervisor(info.handler_id):
        return None
    text = event.text.strip()[:MAX_TEXT_LENGTH]
    handler = info.handler_id

    def decide(state: PatientState) -> Outcome:
        ctx = DialogContext(state=state, outcome=Outcome(), deps=services.deps)
        finding = services.deps.risk.screen(text, state.patient.language)
        if finding.flagged:
            safety.crisis(ctx, safety.risk_language_trigger(finding, text))
        ctx.outcome.records.append(
            AuditEvent(
                "care.message_from_patient",
                f"patient:{state.patient.code}",
                state.patient.code,
                {"text": text, "to": handler, "incident": info.id, "risk": finding.flagged},
            )
        )
        ctx.outcome.replies.append(Screen(lines=(say("care.patient.sent"),)))
        return ctx.outcome

    queued: list[int] = []

    async def relay(tx: Transaction, state: PatientState, now: dt.datetime) -> None:
        """The reply for the supervisor, in the relay outbox, in the pipeline's transaction:
        it is sent after the commit and retried by the relay until Telegram takes it."""
        reader = await reader_for(tx, services.settings, handler)
        body = services.content.texts.get(
            reader.language,
            "care.relay.from_patient",
            code=state.patient.code,
            ref=card.clinic_ref or "—",
            text=text,
        )
        queued.append(
            await tx.add_care_message(
                state.patient.id,
                handler,
                handler,
                body,
                now,
                to_supervisor=True,
                due_at=now + outbox.WRITER_FIRST,
            )
        )

    handled = await services.pipeline.handle_with(sender, update_id, decide, relay)
    if not handled.duplicate and queued:
        await outbox.deliver_due(bot, services, instance_name(), only=queued[0])
    return handled
