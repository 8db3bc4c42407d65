"""Delivers the care team's relayed messages from their outbox, until Telegram confirms.

A supervisor's "Message patient" text is stored (`care_messages`) in the transaction that
audits it, and so is a patient's reply to that supervisor (`to_supervisor`, with a "Reply"
button) in the transaction that handles the patient's update; this sender then sends it.
It is called right after that commit (so the supervisor hears at once whether their message
arrived) and on every tick of the escalation relay, which also sends
whatever is still pending after a restart — the same loop, leases and retry rules as alerts:
- each message is leased to one sender (`bot.alerts.claims.DELIVERY_LEASE`) from claim to
  the recorded send, so two processes never send it twice;
- 5xx and network errors are retried with the relay's backoff, for as long as it takes;
- a timeout is tried once more, then taken as delivered (`claims.retry_after_timeout`);
- a refusal (403: the patient blocked the bot; 400: the chat is gone) ends it, and the
  supervisor who wrote it is told. A message that arrives only on a retry is confirmed to
  them too, so the supervisor never has to guess.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, TimedOut
from telegram.ext import ExtBot

from bot.alerts import claims
from bot.alerts.messages import reader_for
from bot.rate_limit import SAFETY_RETRIES
from bot.services import Services
from bot.storage.care_outbox import CareMessage
from bot.storage.outbox import DeliveryStatus
from dialogs.records import AuditEvent

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 60
# A new message is the writer's to send first (it says at once how it went); the running
# relay's ticks leave it alone this long, so they do not race the writer for it. A relay
# that starts after a crash sends it at once.
WRITER_FIRST = dt.timedelta(seconds=5)


def backoff(attempts: int) -> dt.timedelta:
    """As the alert relay's: 1, 2, 4, … seconds, at most a minute."""
    return dt.timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(0, attempts)))


async def deliver_due(
    bot: ExtBot[Any],
    services: Services,
    by: str,
    until: dt.datetime | None = None,
    *,
    only: int | None = None,
) -> dict[int, DeliveryStatus]:
    """Send every due message this sender could lease; each one's status afterwards.

    `only`: the handler that has just stored a message sends that one and says itself how it
    went; on the relay's runs the supervisor who wrote a message is told when it arrives (or
    is refused), since they were told "not yet"."""
    now = services.clock.now()
    tell = only is None
    if until is None:
        until = now + WRITER_FIRST if only is not None else now
    async with services.store.transaction() as tx:
        due = await tx.claim_due_care_messages(until, by, claims.DELIVERY_LEASE, now, only=only)
    done: dict[int, DeliveryStatus] = {}
    for message in due:
        try:
            done[message.id] = await _deliver(bot, services, message, tell)
        except Exception as error:  # one bad message must not hold up the others
            log.exception("care message %s failed unexpectedly", message.id)
            await _retry_later(services, message, repr(error))
            done[message.id] = DeliveryStatus.PENDING
    return done


async def _deliver(
    bot: ExtBot[Any], services: Services, message: CareMessage, tell: bool
) -> DeliveryStatus:
    markup = await _reply_button(services, message) if message.to_supervisor else None
    try:
        sent = await bot.send_message(
            message.chat_id, message.body, reply_markup=markup, rate_limit_args=SAFETY_RETRIES
        )
    except (Forbidden, BadRequest) as error:
        log.error("care message %s refused by Telegram: %s", message.id, error)
        await _given_up(bot, services, message, str(error), tell)
        return DeliveryStatus.FAILED
    except TimedOut as error:
        if claims.retry_after_timeout(message):
            await _retry_later(services, message, claims.timed_out(str(error)))
            return DeliveryStatus.PENDING
        await _sent(bot, services, message, 0, tell)
        return DeliveryStatus.SENT
    except Exception as error:  # a 5xx, a network error: tried again, until it goes
        log.warning("care message %s not sent yet (%s); retrying", message.id, error)
        await _retry_later(services, message, str(error))
        return DeliveryStatus.PENDING
    await _sent(bot, services, message, sent.message_id, tell)
    return DeliveryStatus.SENT


async def _sent(
    bot: ExtBot[Any], services: Services, message: CareMessage, telegram_id: int, tell: bool
) -> None:
    now = services.clock.now()
    async with services.store.transaction() as tx:
        await tx.mark_care_message_sent(message.id, telegram_id, now)
        card = await tx.patient_card(message.patient_id)
        await tx.add_audit(_audit("care.message_delivered", message, card), now)
    if tell and card is not None and not message.to_supervisor:  # they were told "not yet"
        await _tell(bot, services, message, "care.message.sent_later", card.code)


async def _given_up(
    bot: ExtBot[Any], services: Services, message: CareMessage, error: str, tell: bool
) -> None:
    now = services.clock.now()
    async with services.store.transaction() as tx:
        await tx.mark_care_message_failed(message.id, error, None, now)
        card = await tx.patient_card(message.patient_id)
        await tx.add_audit(_audit("care.message_undelivered", message, card, error=error), now)
    if tell and not message.to_supervisor:  # a refused reply: the supervisor is the one gone
        await _tell(bot, services, message, "care.message.undelivered", card.code if card else "—")


async def _reply_button(services: Services, message: CareMessage) -> InlineKeyboardMarkup:
    """ "Reply" under a patient's relayed reply, in the supervisor's language: their next
    message goes back to that patient."""
    async with services.store.transaction() as tx:
        reader = await reader_for(tx, services.settings, message.supervisor_id)
    label = services.content.texts.get(reader.language, "care.button.reply")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"care:msg:{message.patient_id}")]]
    )


async def _retry_later(services: Services, message: CareMessage, error: str) -> None:
    now = services.clock.now()
    async with services.store.transaction() as tx:
        await tx.mark_care_message_failed(message.id, error, now + backoff(message.attempts), now)


async def _tell(
    bot: ExtBot[Any], services: Services, message: CareMessage, key: str, code: str
) -> None:
    """A short line to the supervisor who wrote the message; best effort."""
    async with services.store.transaction() as tx:
        reader = await reader_for(tx, services.settings, message.supervisor_id)
    text = services.content.texts.get(reader.language, key, code=code)
    try:
        await bot.send_message(message.supervisor_id, text)
    except Exception as error:  # the audit log has it either way
        log.warning("could not tell supervisor %s (%s)", message.supervisor_id, error)


def _audit(action: str, message: CareMessage, card: Any, **details: object) -> AuditEvent:
    return AuditEvent(
        action,
        "relay",
        card.code if card is not None else "—",
        {"care_message": message.id, "by": message.supervisor_id, **details},
    )
