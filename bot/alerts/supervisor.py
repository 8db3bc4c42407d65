"""Supervisor buttons and commands. Every press and command is checked against the sender.

Only SUPERVISOR_IDS and BACKUP_SUPERVISOR_IDS may act; anyone else is told "not authorised"
and nothing changes. The escalation a button names is looked up server-side; the button's
data is only an id, so a forged one can at most name an escalation the sender may act on.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.alerts import routing
from bot.alerts.messages import (
    ACK_ACTION,
    acknowledger_name,
    alert_keyboard,
    alert_text,
    is_reminder,
    patient_response,
    status_lines,
)
from bot.alerts.relay import fire
from bot.services import Services
from dialogs.records import AuditEvent, Escalation
from state_machines.engine import InvalidTransition

log = logging.getLogger(__name__)
COMMANDS = ("alerts", "patient", "resolve")
MAX_NOTE = 500
MAX_ESCALATION_ID = 2**31 - 1  # escalation ids are INTEGER columns


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Services = context.application.bot_data["stride"]
    return services


def _text(services: Services, key: str, **params: object) -> str:
    return services.content.texts.get("en", key, **params)


async def on_alert_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge or Resolve on an alert. The sender is checked first, then the escalation
    the data names is looked up in the database; nothing in the button is trusted."""
    services = _services(context)
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        raise ApplicationHandlerStop
    if not services.is_supervisor(user.id):
        await refuse(services, user.id, query.data or "")
        await query.answer(_text(services, "supervisor.not_authorised"), show_alert=True)
        raise ApplicationHandlerStop
    parts = (query.data or "").split(":")
    if (
        len(parts) != 3
        or not parts[1].isascii()
        or not parts[1].isdigit()
        or int(parts[1]) > MAX_ESCALATION_ID  # a forged id the database cannot even hold
        or parts[2] not in ("ack", "resolve")
    ):
        await query.answer(_text(services, "supervisor.unknown_alert"), show_alert=True)
        raise ApplicationHandlerStop
    escalation_id, action = int(parts[1]), parts[2]
    if action == "resolve":
        async with services.store.transaction() as tx:
            escalation = await tx.escalation(escalation_id)
        if escalation is None:
            await query.answer(_text(services, "supervisor.unknown_alert"), show_alert=True)
            raise ApplicationHandlerStop
        # Resolving needs a note, so it is a command: the button says how.
        await query.answer()
        if query.message is not None:
            await context.bot.send_message(
                query.message.chat.id,
                _text(services, "supervisor.resolve_how", code=escalation.patient_code),
            )
        raise ApplicationHandlerStop
    escalation, changed = await acknowledge(services, escalation_id, user.id, user.first_name)
    if escalation is None:
        await query.answer(_text(services, "supervisor.unknown_alert"), show_alert=True)
        raise ApplicationHandlerStop
    if not changed:  # already acknowledged or resolved: say by whom, change nothing
        await query.answer("\n".join(status_lines(escalation, services.content.texts, "en")))
        raise ApplicationHandlerStop
    await query.answer()
    await refresh_alert_messages(context, services, escalation)
    raise ApplicationHandlerStop


async def refuse(services: Services, user_id: int, data: str) -> None:
    """Someone who is not a supervisor tried to act: logged loudly and audited, no change."""
    log.warning("non-supervisor %s tried a supervisor action (%r)", user_id, data[:64])
    async with services.store.transaction() as tx:
        await tx.add_audit(
            AuditEvent("supervisor.refused", f"user:{user_id}", "-", {"data": data[:64]}),
            services.clock.now(),
        )


async def acknowledge(
    services: Services, escalation_id: int, by: int, name: str | None = None
) -> tuple[Escalation | None, bool]:
    """Acknowledge once; (the escalation as it now is, whether this call changed it)."""
    now = services.clock.now()
    async with services.store.transaction() as tx:
        escalation = await tx.escalation(escalation_id, for_update=True)
        if escalation is None:
            return None, False
        try:
            fire(escalation, "acknowledge")
        except InvalidTransition:
            return escalation, False
        escalation.acknowledged_by = by
        escalation.acknowledged_at = now
        escalation.next_action_at = routing.next_action(escalation, services.settings, now)
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


async def resolve(services: Services, code: str, by: int, note: str) -> list[Escalation] | None:
    """Resolve every open escalation of the patient `code`, with the supervisor's note.

    None when no patient has that code; an empty list when none of theirs was open.
    """
    if not note.strip():
        raise ValueError("a resolution needs a note")
    now = services.clock.now()
    resolved = []
    async with services.store.transaction() as tx:
        state = await tx.load_patient_by_code(code, now)
        if state is None:
            return None
        for escalation in await tx.escalations_for_patient(state.patient.id, for_update=True):
            if escalation.state == "resolved":
                continue
            fire(escalation, "resolve")
            escalation.resolved_by = by
            escalation.resolved_at = now
            escalation.resolution_note = note
            escalation.next_action_at = None
            await tx.update_escalation(escalation)
            await tx.add_audit(
                AuditEvent(
                    "escalation.resolved",
                    f"supervisor:{by}",
                    code,
                    {"id": escalation.id, "note": note},
                ),
                now,
            )
            resolved.append(escalation)
    return resolved


async def refresh_alert_messages(
    context: ContextTypes.DEFAULT_TYPE, services: Services, escalation: Escalation
) -> None:
    """Every delivered copy of the alert shows who acknowledged or resolved it."""
    texts = services.content.texts
    async with services.store.transaction() as tx:
        deliveries = await tx.deliveries_for(escalation.id)
        history = await tx.escalations_for_patient(escalation.patient_id)
        who = await acknowledger_name(tx, escalation)
    for delivery in deliveries:
        if delivery.telegram_message_id is None or routing.is_patient_reply(delivery.step):
            continue
        try:
            await context.bot.edit_message_text(
                alert_text(
                    escalation,
                    delivery.step,
                    history,
                    texts,
                    reminder=is_reminder(escalation, delivery),
                ),
                chat_id=delivery.chat_id,
                message_id=delivery.telegram_message_id,
                reply_markup=alert_keyboard(escalation, texts, who=who),
            )
        except Exception as error:  # an old copy we cannot edit must not stop the others
            log.warning("could not update alert message in %s: %s", delivery.chat_id, error)


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    head, _, args = message.text[1:].partition(" ")
    name = head.partition("@")[0].lower()
    if name not in COMMANDS:
        return  # a patient command: the patient pipeline handles it
    services = _services(context)
    if not services.is_supervisor(user.id):
        await refuse(services, user.id, message.text)
        await message.reply_text(_text(services, "supervisor.not_authorised"))
        raise ApplicationHandlerStop
    if name == "alerts":
        await message.reply_text(await alerts_text(services))
    elif name == "patient":
        await message.reply_text(await patient_text(services, args.strip().upper()))
    else:
        code, _, note = args.strip().partition(" ")
        if not code or not note.strip():
            await message.reply_text(_text(services, "supervisor.usage"))
            raise ApplicationHandlerStop
        resolved = await resolve(services, code.upper(), user.id, note.strip()[:MAX_NOTE])
        if resolved is None:
            await message.reply_text(_text(services, "supervisor.patient.unknown", code=code))
        elif not resolved:
            await message.reply_text(_text(services, "supervisor.alerts.none"))
        else:
            await message.reply_text(_text(services, "supervisor.resolved", code=code.upper()))
            for escalation in resolved:
                await refresh_alert_messages(context, services, escalation)
    raise ApplicationHandlerStop


async def alerts_text(services: Services) -> str:
    async with services.store.transaction() as tx:
        escalations = await tx.open_escalations()
    if not escalations:
        return _text(services, "supervisor.alerts.none")
    return "\n".join(
        _text(
            services,
            "supervisor.alerts.line",
            code=e.patient_code,
            trigger=_text(services, f"supervisor.trigger.{e.trigger.value}"),
            state=e.state,
            time=f"{e.created_at:%Y-%m-%d %H:%M UTC}",
        )
        + _response_suffix(services, e)
        for e in escalations
    )


def _response_suffix(services: Services, escalation: Escalation) -> str:
    response = patient_response(escalation, services.content.texts)
    return f" - patient: {response}" if response else ""


async def patient_text(services: Services, code: str) -> str:
    now = services.clock.now()
    async with services.store.transaction() as tx:
        state = await tx.load_patient_by_code(code, now) if code else None
        if state is None:
            return _text(services, "supervisor.patient.unknown", code=code or "—")
        escalations = await tx.escalations_for_patient(state.patient.id)
    totals = [c.total for c in state.checkins if c.total is not None]
    latest = str(totals[-1]) if totals else "—"
    trend = " → ".join(str(t) for t in totals[-6:]) or "—"
    week_ago = state.today.toordinal() - 7
    sessions = sum(
        1
        for s in state.sessions
        if s.day.toordinal() > week_ago and s.status.value in ("done", "partial")
    )
    flags = (
        ", ".join(
            f"{e.trigger.value} ({e.state}){_response_suffix(services, e)}"
            for e in escalations
            if e.state != "resolved"
        )
        or "—"
    )
    plan = "yes" if not state.safety_plan.is_empty else "no"
    return _text(
        services,
        "supervisor.patient.summary",
        code=code,
        latest=latest,
        trend=trend,
        sessions=sessions,
        flags=flags,
        plan=plan,
    )
