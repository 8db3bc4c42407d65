"""python-telegram-bot handlers: thin adapters from updates to the patient pipeline.

Handler groups, in order (lower runs first; the first match in a group wins):
  0  ignore what Stride must not act on (channel posts, other bots' messages);
  1  supervisor alert buttons and supervisor commands (authorised per sender);
  2  group chats: peer-group commands, membership and moves (never a clinical reply there);
  3  everything else in private chats goes through the patient pipeline.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import data_rights
from bot.alerts import routing
from bot.care import conversation, enrolment
from bot.charts import render_chart
from bot.context import services_of, wake_relay
from bot.inbox import replies
from bot.inbox.current import current, record_error
from bot.pipeline import Sender
from bot.sending import send_screens
from bot.telegram_events import event_of
from dialogs.events import Command

log = logging.getLogger(__name__)
ANSWER_TIMEOUT = 3.0


async def ignore_untrusted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Channel posts and messages from bots are never conversations."""
    user = update.effective_user
    if update.channel_post or update.edited_channel_post or (user is not None and user.is_bot):
        raise ApplicationHandlerStop


async def on_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    event = event_of(update, context.bot.username)
    query = update.callback_query
    if event is None or event == Command("__other_bot__"):
        await answer_quietly(query)
        return
    # A private chat's id is its user's id. A press carries the pressed message's chat as the
    # client reports it, which is not to be trusted: replies go to the sender's own chat.
    chat_id = user.id if query is not None else chat.id
    sender = Sender(user.id, chat_id, user.language_code, user.first_name)
    # care: enrolment by invitation, and a reply while the care team talks with the patient
    if await enrolment.gate(context.bot, services, sender, event):
        await answer_quietly(query)
        return
    handling = current()
    if handling is not None:  # the replies are stored with the inbox row (bot/inbox/replies.py)
        handling.reply_chat = chat_id
        pressed = pressed_message(update)
        handling.pressed_message_id = pressed.message_id if pressed is not None else None
    handled = await conversation.handle_patient(
        context.bot, services, sender, event, update.update_id
    ) or await services.pipeline.handle(sender, event, update.update_id)
    if handling is not None:  # committed: sending needs no processing slot
        handling.give_slot_back()
    # Answered only now, after the commit, and best effort: a failed or "too old" answer
    # only leaves a spinner on the patient's button, never loses the press.
    await answer_quietly(query)
    if handled.duplicate:
        return
    if handled.escalation_ids:  # alerts go out while the patient's reply is being sent
        wake_relay(context.application)

    async def crisis_reply_sent(message: Message) -> None:  # else the relay re-sends it
        await routing.patient_reply_sent(
            services.store, services.clock, handled.escalation_ids, message.message_id
        )

    await send_screens(
        context.bot,
        chat_id,
        handled.replies,
        services.content.texts,
        handled.language,
        pressed=pressed_message(update),
        chart_renderer=render_chart,
        urgent_sent=crisis_reply_sent if handled.escalation_ids else None,
        rendered=handled.rendered,
    )
    await replies.mark_sent(services, handling)
    if handled.effects:  # data rights (bot/data_rights.py): after the commit and the replies
        await data_rights.run(context.bot, services, chat_id, handled)


async def answer_quietly(query: CallbackQuery | None) -> None:
    """answerCallbackQuery, best effort: its failure never aborts the update."""
    if query is None:
        return
    try:
        async with asyncio.timeout(ANSWER_TIMEOUT):  # no task of its own, unlike wait_for
            await query.answer()
    except Exception as error:  # "query is too old", a 5xx, a timeout: the press still counts
        log.info("answerCallbackQuery failed (%s); the press counts", type(error).__name__)


def pressed_message(update: Update) -> Message | None:
    """The message whose button was pressed, when Telegram still lets us see it (and it is in
    the sender's own chat: a press's message is the client's word, not Telegram's record)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None
    if query.message.chat.id != query.from_user.id:
        return None
    return query.message


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logged (by type: an error's text can quote the update) and handed to the inbox, which
    retries the update or keeps it as failed and tells the sender."""
    record_error(context.error)
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)


def install(application: Application) -> None:
    from bot import groups
    from bot.alerts import supervisor

    application.add_handler(TypeHandler(Update, ignore_untrusted), group=0)
    application.add_handler(
        CallbackQueryHandler(supervisor.on_alert_button, pattern=r"^(esc|care):"), group=1
    )
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, supervisor.on_command), group=1
    )
    # care: a supervisor's typed note / message / reason (bot/alerts/supervisor.py)
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, supervisor.on_text
        ),
        group=1,
    )
    groups.install(application, group=2)
    application.add_handler(TypeHandler(Update, on_private), group=3)
    application.add_error_handler(on_error)
