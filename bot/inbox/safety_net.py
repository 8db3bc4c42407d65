"""What the dispatcher does when an update cannot be handled: never silence.

- `escalate_flagged`: a message the risk screen flagged at intake whose dialog failed is
  escalated through the safety protocol's own entry point, and the crisis reply sent, so a
  bug in a conversation can never swallow a crisis.
- `apologise`: anyone else is told, in their own private chat, to try again.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message
from telegram.ext import Application, ExtBot

from bot.alerts import routing
from bot.context import wake_relay
from bot.inbox.intake import words_of
from bot.pipeline import Sender
from bot.sending import send_screens, with_retries
from bot.services import Services
from bot.storage.updates import InboxItem
from content.texts import negotiate_language

log = logging.getLogger(__name__)
TRY_AGAIN = "inbox.try_again"


def _sender(item: InboxItem) -> tuple[dict[str, Any], dict[str, Any]]:
    body = item.payload.get(item.kind)
    body = body if isinstance(body, dict) else {}
    sender = body.get("from")
    chat = body.get("chat")
    if chat is None and isinstance(body.get("message"), dict):
        chat = body["message"].get("chat")
    return (sender if isinstance(sender, dict) else {}), (chat if isinstance(chat, dict) else {})


async def escalate_flagged(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services, item: InboxItem
) -> None:
    user, chat = _sender(item)
    user_id = user.get("id")
    if not isinstance(user_id, int) or user.get("is_bot"):
        return
    where = "private" if chat.get("type") == "private" else "group"
    sender = Sender(user_id, user_id, user.get("language_code"), user.get("first_name"))
    handled = await services.pipeline.handle_risk_fallback(sender, words_of(item.payload), where)
    log.critical(
        "update %s: the dialog failed on a flagged message; escalated directly (%s)",
        item.update_id,
        handled.escalation_ids,
    )
    wake_relay(application)

    async def crisis_reply_sent(message: Message) -> None:
        await routing.patient_reply_sent(
            services.store, services.clock, handled.escalation_ids, message.message_id
        )

    await send_screens(
        application.bot,
        user_id,
        handled.replies,
        services.content.texts,
        handled.language,
        urgent_sent=crisis_reply_sent,
    )


async def apologise(bot: ExtBot[Any], services: Services, item: InboxItem) -> None:
    user, chat = _sender(item)
    user_id = user.get("id")
    if not isinstance(user_id, int) or chat.get("type") not in ("private", None):
        return  # never in a group; a press from a group message has no private chat to use
    texts = services.content.texts
    code = user.get("language_code")
    language = negotiate_language(
        code if isinstance(code, str) else services.settings.default_language, texts.languages
    )
    await with_retries(
        lambda: bot.send_message(user_id, texts.get(language, TRY_AGAIN)), what="sendMessage"
    )
