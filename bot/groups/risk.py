"""Risk language written in a group: answered privately, never in the group (CLINICAL_SPEC 6.4).

Every group text the bot reads is screened first, commands included (their arguments are
free text too). A flagged message gets no reply in the group and runs no command: the person
gets the crisis reply in their private chat and supervisors are alerted, as in private.
"""

from __future__ import annotations

import logging

from telegram import Update, User
from telegram.ext import ContextTypes

from bot.alerts import routing
from bot.charts import render_chart
from bot.context import services_of, wake_relay
from bot.pipeline import Sender
from bot.sending import send_screens

log = logging.getLogger(__name__)


async def answered_privately(
    update: Update, context: ContextTypes.DEFAULT_TYPE, user: User, text: str
) -> bool:
    """True if `text` held risk language (and the private reply and alert were made)."""
    services = services_of(context)
    finding = services.deps.risk.screen(text, None)
    if not finding.flagged:
        return False
    handled = await services.pipeline.handle_group_risk(
        Sender(user.id, user.id, user.language_code, user.first_name),
        text,
        update.update_id,
    )
    wake_relay(context.application)  # alerts go out while the private reply is being sent
    try:
        sent = await send_screens(
            context.bot,
            user.id,
            handled.replies,
            services.content.texts,
            handled.language,
            chart_renderer=render_chart,
        )
    except Exception as error:  # never started the bot: supervisors are told regardless
        log.error("could not reach group member %s privately: %s", user.id, error)
    else:
        if handled.escalation_ids and sent:  # else the relay re-sends the crisis reply
            await routing.patient_reply_sent(
                services.store, services.clock, handled.escalation_ids, sent[-1].message_id
            )
    return True
