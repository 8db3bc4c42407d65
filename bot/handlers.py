"""python-telegram-bot handlers: thin adapters from updates to the patient pipeline.

Handler groups, in order (lower runs first; the first match in a group wins):
  0  ignore what Stride must not act on (channel posts, other bots' messages);
  1  supervisor alert buttons and supervisor commands (authorised per sender);
  2  group chats: peer-group commands, membership and moves (never a clinical reply there);
  3  everything else in private chats goes through the patient pipeline.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
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
from bot.charts import render_chart
from bot.pipeline import Sender
from bot.sending import send_screens
from bot.services import Services
from bot.telegram_events import event_of
from dialogs.events import Command

log = logging.getLogger(__name__)
SERVICES = "stride"


def services_of(context: ContextTypes.DEFAULT_TYPE) -> Services:
    services: Services = context.application.bot_data[SERVICES]
    return services


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
    if query is not None:
        await query.answer()
    if event is None or event == Command("__other_bot__"):
        return
    sender = Sender(user.id, chat.id, user.language_code, user.first_name)
    handled = await services.pipeline.handle(sender, event, update.update_id)
    if handled.duplicate:
        return
    if handled.escalation_ids:  # alerts go out while the patient's reply is being sent
        wake = context.application.bot_data.get("wake_relay")
        if callable(wake):
            wake()
    sent = await send_screens(
        context.bot,
        chat.id,
        handled.replies,
        services.content.texts,
        handled.language,
        pressed=query.message
        if query is not None and query.message is not None and hasattr(query.message, "message_id")
        else None,  # type: ignore[arg-type]
        chart_renderer=render_chart,
    )
    if handled.effects:  # data rights (bot/data_rights.py): after the commit and the replies
        await data_rights.run(context.bot, services, chat.id, handled)
    if handled.escalation_ids and sent:  # else the relay re-sends the crisis reply
        await routing.patient_reply_sent(
            services.store, services.clock, handled.escalation_ids, sent[-1].message_id
        )


def pressed_message(update: Update) -> Message | None:
    """The message whose button was pressed, when Telegram still lets us see it."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return None
    return query.message


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed: %s", context.error, exc_info=context.error)


def install(application: Application) -> None:
    from bot import groups
    from bot.alerts import supervisor

    application.add_handler(TypeHandler(Update, ignore_untrusted), group=0)
    application.add_handler(
        CallbackQueryHandler(supervisor.on_alert_button, pattern=r"^esc:"), group=1
    )
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, supervisor.on_command), group=1
    )
    groups.install(application, group=2)
    application.add_handler(TypeHandler(Update, on_private), group=3)
    application.add_error_handler(on_error)
