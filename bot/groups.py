"""Peer-group chats: never a clinical reply in the group (CLINICAL_SPEC 6.4).

Risk language seen in a group is answered privately and escalated; the group sees nothing.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.charts import render_chart
from bot.pipeline import Sender
from bot.sending import send_screens
from bot.services import Services

log = logging.getLogger(__name__)


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["stride"]
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or not message.text or message.text.startswith("/"):
        raise ApplicationHandlerStop
    finding = services.deps.risk.screen(message.text, None)
    if not finding.flagged:
        raise ApplicationHandlerStop
    handled = await services.pipeline.handle_group_risk(
        Sender(user.id, user.id, user.language_code, user.first_name),
        message.text,
        update.update_id,
    )
    try:
        await send_screens(
            context.bot,
            user.id,
            handled.replies,
            services.content.texts,
            handled.language,
            chart_renderer=render_chart,
        )
    except Exception as error:  # never started the bot: supervisors are told regardless
        log.error("could not reach group member %s privately: %s", user.id, error)
    wake = context.application.bot_data.get("wake_relay")
    if callable(wake):
        wake()
    raise ApplicationHandlerStop
