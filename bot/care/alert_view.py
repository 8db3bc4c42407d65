"""Showing an incident to a supervisor: every delivered copy of its alert kept current, and
the alert rendered afresh on request (which counts as the supervisor having seen it)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import ExtBot

from bot.alerts import routing
from bot.alerts.messages import (
    Reader,
    acknowledger_name,
    alert_keyboard,
    alert_text,
    reader_for,
)
from bot.services import Services
from bot.storage.repository import Transaction
from dialogs.records import Escalation

log = logging.getLogger(__name__)


async def render_alert(
    tx: Transaction, services: Services, escalation: Escalation, reader: Reader, level: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The alert's text and buttons as they read now, for `reader`."""
    texts, now = services.content.texts, services.clock.now()
    history = await tx.incidents_for_patient(escalation.patient_id)
    info = await tx.incident_info(escalation.id)
    card = await tx.patient_card(escalation.patient_id)
    who = await acknowledger_name(tx, escalation)
    text = alert_text(escalation, info, card, history, texts, reader, now, level=level)
    return text, alert_keyboard(escalation, texts, reader.language, who)


async def mark_seen(tx: Transaction, escalation_id: int, supervisor_id: int) -> None:
    """The supervisor has now seen every trigger the incident holds."""
    info = await tx.incident_info(escalation_id)
    if info is not None:
        info.seen[str(supervisor_id)] = info.trigger_count
        await tx.save_incident_info(info)


async def refresh_alert_messages(
    bot: ExtBot[Any], services: Services, incident_id: int, chat_id: int | None = None
) -> None:
    """Every delivered copy of the alert (or those in `chat_id`) shows the incident as it
    now is."""
    views = []
    async with services.store.transaction() as tx:
        escalation = await tx.escalation(incident_id)
        if escalation is None:
            return
        for delivery in await tx.deliveries_for(incident_id):
            if delivery.telegram_message_id is None:
                continue
            if chat_id is not None and delivery.chat_id != chat_id:
                continue
            if routing.step_kind(delivery.step) is not routing.StepKind.ALERT:
                continue
            reader = await reader_for(tx, services.settings, delivery.chat_id)
            text, keyboard = await render_alert(tx, services, escalation, reader, delivery.step)
            views.append((delivery.chat_id, delivery.telegram_message_id, text, keyboard))
    for chat, message_id, text, keyboard in views:
        try:
            await bot.edit_message_text(
                text, chat_id=chat, message_id=message_id, reply_markup=keyboard
            )
        except Exception as error:  # an old copy we cannot edit must not stop the others
            log.warning("could not update alert message in %s: %s", chat, error)
