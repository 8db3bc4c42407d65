"""Supervisor buttons, commands and typed input. Every one is checked against the sender.

Only the people on the escalation chain (SUPERVISOR_IDS, BACKUP_SUPERVISOR_IDS or
ESCALATION_LEVELS) may act; anyone else is told "not authorised", it is audited, and nothing
changes. A button's data is only ids: the incident or patient it names is looked up
server-side, so a forged button can at most name something the sender may act on anyway.

Buttons: `esc:<incident>:<ack|msg|resolve|out-OUTCOME>` on alerts, `care:<verb>:...` on the
caseload and patient views (see `bot.care.views`). A supervisor's typed message answers what
they asked for last (a note for an outcome, a message for a patient, a reason for a plan
change), held in `care_sessions` so a restart in between loses nothing.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.alerts.messages import OUTCOMES, outcome_keyboard
from bot.callback_ids import row_id
from bot.care import commands, conversation, incidents
from bot.care.alert_view import mark_seen, refresh_alert_messages, render_alert
from bot.care.commands import Call
from bot.care.prefs import reader_of
from bot.context import services_of
from bot.services import Services
from bot.storage.care import CareSession
from bot.storage.outbox import DeliveryStatus
from dialogs.records import AuditEvent

# The care_sessions kinds typed input can answer.
NOTE = "note"

log = logging.getLogger(__name__)


def _services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return services_of(context)


async def refuse(services: Services, user_id: int, data: str) -> None:
    """Someone who is not a supervisor tried to act: logged loudly and audited, no change."""
    log.warning("non-supervisor %s tried a supervisor action (%r)", user_id, data[:64])
    async with services.store.transaction() as tx:
        await tx.add_audit(
            AuditEvent("supervisor.refused", f"user:{user_id}", "-", {"data": data[:64]}),
            services.clock.now(),
        )


def _not_authorised(services: Services, language_code: str | None) -> str:
    texts = services.content.texts
    language = (
        language_code[:2] if language_code and language_code[:2] in texts.languages else "en"
    )
    return texts.get(language, "supervisor.not_authorised")


async def _call(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str, args: str) -> Call:
    services = _services(context)
    user = update.effective_user
    assert user is not None
    reader = await reader_of(services, user.id, user.language_code, user.first_name)
    return Call(services, context.bot, user.id, name, args, reader, user.first_name or "")


# ---------------------------------------------------------------------- buttons
async def on_alert_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on an alert or a care view. The sender is checked first, then what the data
    names is looked up in the database; nothing in the button is trusted."""
    services = _services(context)
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        raise ApplicationHandlerStop
    data = query.data or ""
    if not services.is_supervisor(user.id):
        await refuse(services, user.id, data)
        await query.answer(_not_authorised(services, user.language_code), show_alert=True)
        raise ApplicationHandlerStop
    call = await _call(update, context, "press", data)
    chat_id = user.id  # answers go to the supervisor's private chat, never a team group
    if data.startswith("care:"):
        from bot.care import views

        reply = await views.on_press(call, data)
        await query.answer()
        if reply is not None:
            await context.bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard)
        raise ApplicationHandlerStop
    parts = data.split(":")
    escalation_id = row_id(parts[1]) if len(parts) == 3 else None
    if escalation_id is None or not _known_action(parts[2]):
        await query.answer(call.text("supervisor.unknown_alert"), show_alert=True)
        raise ApplicationHandlerStop
    action = parts[2]
    async with services.store.transaction() as tx:
        escalation = await tx.escalation(escalation_id)
    if escalation is None:
        await query.answer(call.text("supervisor.unknown_alert"), show_alert=True)
        raise ApplicationHandlerStop
    if action == "ack":
        escalation, changed = await incidents.acknowledge(
            services, escalation_id, user.id, user.first_name
        )
        if escalation is not None and not changed:  # already done: say so, change nothing
            await query.answer(call.text(f"care.state.{escalation.state}"))
            raise ApplicationHandlerStop
        await query.answer()
        await refresh_alert_messages(context.bot, services, escalation_id)
        raise ApplicationHandlerStop
    await query.answer()
    if escalation.state == "resolved":
        await context.bot.send_message(chat_id, call.text("care.state.resolved"))
        raise ApplicationHandlerStop
    reply_text, keyboard = await _alert_action(call, escalation_id, escalation.patient_id, action)
    await context.bot.send_message(chat_id, reply_text, reply_markup=keyboard)
    raise ApplicationHandlerStop


def _known_action(action: str) -> bool:
    return action in ("ack", "msg", "resolve") or (
        action.startswith("out-") and action[4:] in OUTCOMES
    )


async def _alert_action(
    call: Call, escalation_id: int, patient_id: int, action: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = call.services
    if action == "msg":
        code = await conversation.start_message(services, call.user_id, patient_id, escalation_id)
        return call.text("care.message.prompt", code=code, name=call.first_name), None
    async with services.store.transaction() as tx:
        await mark_seen(tx, escalation_id, call.user_id)
        escalation = await tx.escalation(escalation_id)
        code = escalation.patient_code if escalation is not None else "—"
        if action == "resolve":
            keyboard = outcome_keyboard(
                escalation_id, services.content.texts, call.reader.language
            )
            return call.text("care.resolve.choose", code=code), keyboard
        outcome = action[4:]
        await tx.set_care_session(
            CareSession(
                call.user_id, NOTE, patient_id, escalation_id, outcome, services.clock.now()
            )
        )
    return (
        call.text("care.resolve.note", outcome=call.text(f"care.outcome.{outcome}"), code=code),
        None,
    )


# ---------------------------------------------------------------------- typed input
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A supervisor's typed message answers what they asked for last; anything else gets a
    pointer to /help. Patients' messages pass through untouched."""
    services = _services(context)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text:
        return
    if not services.is_supervisor(user.id):
        return
    call = await _call(update, context, "text", message.text)
    async with services.store.transaction() as tx:
        pending = await tx.care_session(user.id)
    if pending is None:
        await message.reply_text(call.text("care.no_pending"))
        raise ApplicationHandlerStop
    if pending.kind == conversation.MESSAGE:
        code, status = await conversation.send_to_patient(
            context.bot, services, pending, user.id, user.first_name, message.text
        )
        key = {
            DeliveryStatus.SENT: "care.message.sent",
            DeliveryStatus.PENDING: "care.message.queued",
            DeliveryStatus.FAILED: "care.message.undelivered",
        }[status]
        await message.reply_text(call.text(key, code=code))
    elif pending.kind == NOTE and pending.escalation_id is not None and pending.outcome:
        await _finish_outcome(update, context, call, pending, message.text)
    else:
        from bot.care import views

        reply = await views.on_text(call, pending, message.text)
        await message.reply_text(reply.text, reply_markup=reply.keyboard)
    raise ApplicationHandlerStop


async def _finish_outcome(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    call: Call,
    pending: CareSession,
    note: str,
) -> None:
    services = call.services
    assert pending.escalation_id is not None and pending.outcome is not None
    message = update.effective_message
    assert message is not None
    result = await incidents.record_outcome(
        services, pending.escalation_id, call.user_id, pending.outcome, note
    )
    async with services.store.transaction() as tx:
        await tx.clear_care_session(call.user_id)
        if result.unseen and result.escalation is not None:
            text, keyboard = await render_alert(tx, services, result.escalation, call.reader)
            await mark_seen(tx, result.escalation.id, call.user_id)
            await message.reply_text(
                call.text("care.resolve.unseen") + "\n\n" + text, reply_markup=keyboard
            )
            return
    if not result.changed or result.escalation is None:
        await message.reply_text(call.text("care.state.resolved"))
        return
    key = "care.resolve.kept_open" if result.still_open else "care.resolve.done"
    await message.reply_text(call.text(key, code=result.escalation.patient_code))
    await refresh_alert_messages(context.bot, services, pending.escalation_id)


# ---------------------------------------------------------------------- commands
async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Supervisor commands from the table; a supervisor's other commands get their help.
    A supervisor command from anyone else is refused; patient commands pass through."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or not message.text:
        return
    head, _, args = message.text[1:].partition(" ")
    name = head.partition("@")[0].lower()
    services = _services(context)
    if not services.is_supervisor(user.id):
        if name in commands.names() - {"help", "start", "cancel"}:
            await refuse(services, user.id, message.text)
            await message.reply_text(_not_authorised(services, user.language_code))
            raise ApplicationHandlerStop
        return  # a patient command: the patient pipeline handles it
    command = commands.find(name) or commands.find("help")
    assert command is not None
    call = await _call(update, context, command.name, args.strip())
    reply = await command.run(call)
    await message.reply_text(reply.text, reply_markup=reply.keyboard)
    raise ApplicationHandlerStop
