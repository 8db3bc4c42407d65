"""Ordinary replies that survive a crash after the commit: stored, sent, marked sent.

The pipeline renders the replies an update owes and stores them with its inbox row, in the
statement that marks the row done (`bot.inbox.current.claim`), leased to the process that
handles it. The handler sends them right after the commit and marks them sent. A process
that dies in between leaves them `pending`; the sweeper here sends them at start-up (before
the dispatcher handles anything new, so a chat's answers stay in order) and every
`SWEEP_SECONDS` (for a process on another host, once its lease has run out).

A send that was cut off may or may not have arrived (the Bot API cannot say), so stored
replies are sent at most once more: the sweeper tries each row once and then marks it sent,
or dropped when it fails for good. Replies of a chat whose later update was answered already
are dropped instead of arriving out of order. The crisis reply is not stored here: the
alert outbox owns it (a `patient_reply` delivery the relay sends if the handler did not).
A chart image is not stored either; after a crash only the text of its screen is re-sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.batching import Batched
from bot.inbox.current import Handling
from bot.leases import instance_name
from bot.render import Rendered
from bot.sending import with_retries
from bot.storage.repository import Store
from bot.storage.updates import REPLIES_DROPPED, REPLIES_SENT, StoredReplies

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

# Held by the handling process from its commit until it has sent (retries included).
REPLY_LEASE = dt.timedelta(seconds=120)
SWEEP_SECONDS = 30.0


def stored_replies(
    rendered: Sequence[Rendered | None], chat_id: int, pressed_message_id: int | None
) -> dict[str, Any] | None:
    """The replies as they will be sent (JSON): text parts, keyboard, message to edit.
    `None` stands for the crisis reply: the alert outbox re-sends it (a patient_reply step)."""
    messages = [
        {
            "parts": list(screen.parts),
            "markup": screen.markup.to_dict() if screen.markup else None,
            "edit": pressed_message_id if screen.edit else None,
        }
        for screen in rendered
        if screen is not None
    ]
    if not messages:
        return None
    return {"chat": chat_id, "messages": messages}


ReplyMarkups = (ReplyKeyboardMarkup, ReplyKeyboardRemove)


def stored_markup(
    data: dict[str, Any] | None, bot: ExtBot[Any]
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None:
    """The keyboard a stored reply carries: inline buttons, or the one under the input field
    (the contact button, or its removal), told apart by their JSON's own keys."""
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, bot)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, bot)
    return ReplyKeyboardRemove.de_json(data, bot)


async def mark_sent(services: Services, handling: Handling | None) -> None:
    """The handler sent the replies stored with its row: nobody sends them again."""
    if handling is None or not handling.replies_stored:
        return
    await services.sent_marks.mark(handling.item_id)


class SentMarks:
    """ "Replies sent" for many inbox rows in one UPDATE (`bot.batching`): each handler
    still waits until its own row's mark has committed, so the window in which a crash would
    send a reply once more is unchanged."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.mark = Batched(self._write, "stride-reply-marks")

    async def _write(self, item_ids: list[int]) -> dict[int, None]:
        async with self._store.statements() as tx:
            await tx.replies_done(item_ids, REPLIES_SENT)
        return dict.fromkeys(item_ids)


async def send_stored(bot: ExtBot[Any], replies: dict[str, Any]) -> None:
    """Send stored replies once more: 5xx answers are retried (they were not delivered), a
    timeout is not (it may have been)."""
    chat_id = int(replies["chat"])
    retry = partial(with_retries, timeout_retries=0)
    for message in replies.get("messages", []):
        markup = stored_markup(message.get("markup"), bot)
        if message.get("edit") is not None and not isinstance(markup, ReplyMarkups):
            try:
                await retry(
                    partial(
                        bot.edit_message_reply_markup,
                        chat_id,
                        int(message["edit"]),
                        reply_markup=markup,
                    ),
                    what="editMessageReplyMarkup",
                )
                continue
            except BadRequest:
                pass  # e.g. "message is not modified": it was edited before the crash; send
        parts = list(message.get("parts", []))
        for index, part in enumerate(parts):
            keyboard = markup if index == len(parts) - 1 else None
            await retry(
                partial(bot.send_message, chat_id, part, reply_markup=keyboard),
                what="sendMessage",
            )


async def sweep(services: Services, bot: ExtBot[Any]) -> int:
    """Send replies stored but not sent (leases run out or released); the rows handled."""
    handled = 0
    while True:
        now = services.clock.now()
        async with services.store.transaction() as tx:
            batch = await tx.claim_unsent_replies(instance_name(), now + REPLY_LEASE, now)
        if not batch:
            return handled
        for stored in batch:
            await _send_once(services, bot, stored)
            handled += 1


async def _send_once(services: Services, bot: ExtBot[Any], stored: StoredReplies) -> None:
    state = REPLIES_SENT
    if stored.superseded:
        state = REPLIES_DROPPED
        log.info("replies to update %s dropped: a later update was answered", stored.update_id)
    else:
        try:
            await send_stored(bot, stored.replies)
            log.warning("replies to update %s sent again after a restart", stored.update_id)
        except Exception as error:
            state = REPLIES_DROPPED
            log.warning(
                "replies to update %s could not be sent again (%s); dropped",
                stored.update_id,
                type(error).__name__,
            )
    async with services.store.transaction() as tx:
        await tx.replies_done([stored.item_id], state)


async def sweep_forever(services: Services, bot: ExtBot[Any], stopped: asyncio.Event) -> None:
    while not stopped.is_set():
        try:
            await sweep(services, bot)
        except Exception as error:
            log.warning("reply sweep failed (%s); trying again later", type(error).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopped.wait(), SWEEP_SECONDS)
