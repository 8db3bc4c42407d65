"""Sends rendered screens to a chat; edits the pressed message when a screen asks to.

Every Bot API call here survives Telegram's passing errors (`with_retries`): a 5xx or a
refused connection is retried with backoff; a timeout is retried at most once more, since
Telegram may have delivered the message anyway and the API cannot tell us (a duplicate
"Question 2" is better than none). 429s are the rate limiter's (it retries them itself);
400/403 are not passing and are raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar

from telegram import Message
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import ExtBot

from bot.inbox.transient import backoff_seconds
from bot.rate_limit import SAFETY_RETRIES
from bot.render import Rendered, render
from content.texts import Texts
from dialogs.screens import Screen

log = logging.getLogger(__name__)

ChartRenderer = Callable[[object, Texts, str], bytes]
UrgentSent = Callable[[Message], Awaitable[None]]
T = TypeVar("T")

SEND_ATTEMPTS = 5
URGENT_ATTEMPTS = 8
TIMEOUT_RETRIES = 1


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = SEND_ATTEMPTS,
    what: str = "send",
    timeout_retries: int = TIMEOUT_RETRIES,
) -> T:
    """`call()`, again after 5xx answers and network errors; once more after a timeout
    (`timeout_retries=0` for a send that is itself the once-more)."""
    timeouts = 0
    for attempt in range(attempts):
        try:
            return await call()
        except BadRequest:
            raise  # a 400 is our mistake or a stale message: retrying changes nothing
        except TimedOut:
            timeouts += 1
            if timeouts > timeout_retries or attempt == attempts - 1:
                raise
            log.warning("%s timed out; trying once more", what)
        except NetworkError as error:  # 5xx, refused or reset connections
            if attempt == attempts - 1:
                raise
            log.warning("%s failed (%s); retrying", what, type(error).__name__)
        await asyncio.sleep(backoff_seconds(attempt, cap=8.0))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


async def send_screens(
    bot: ExtBot[Any],
    chat_id: int,
    screens: Sequence[Screen],
    texts: Texts,
    language: str,
    *,
    pressed: Message | None = None,
    group: bool = False,
    chart_renderer: ChartRenderer | None = None,
    urgent_sent: UrgentSent | None = None,
    retry: bool = True,
    rendered: Sequence[Rendered | None] | None = None,
) -> list[Message]:
    """Send `screens` in order; `urgent_sent` is awaited right after an urgent screen went.
    `rendered`: the screens as rendered already, where they were (the stored replies).

    The crisis reply is recorded as sent at once (not after the screens behind it), so a
    crash later in the list never makes the relay send it a second time. `retry=False` is
    for senders with an outbox of their own (nudges) that decide what is tried again.
    """
    sent: list[Message] = []
    for index, screen in enumerate(screens):
        done = rendered[index] if rendered is not None else None
        shown = done or render(screen, texts, language, group=group)
        priority = SAFETY_RETRIES if screen.urgent else None
        attempts = (URGENT_ATTEMPTS if screen.urgent else SEND_ATTEMPTS) if retry else 1
        if screen.chart is not None and chart_renderer is not None:
            image = chart_renderer(screen.chart, texts, language)
            sent.append(
                await with_retries(
                    partial(bot.send_photo, chat_id, photo=image, rate_limit_args=priority),
                    attempts=attempts,
                    what="sendPhoto",
                )
            )
        if shown.edit and pressed is not None:
            try:
                await with_retries(
                    partial(
                        bot.edit_message_reply_markup,
                        chat_id,
                        pressed.message_id,
                        reply_markup=shown.keyboard,
                    ),
                    attempts=attempts,
                    what="editMessageReplyMarkup",
                )
                continue
            except BadRequest as error:  # e.g. "message is not modified"
                log.debug("edit refused, sending instead: %s", type(error).__name__)
        for n, part in enumerate(shown.parts):
            last = n == len(shown.parts) - 1
            keyboard = shown.markup if last else None
            sent.append(
                await with_retries(
                    partial(
                        bot.send_message,
                        chat_id,
                        part,
                        reply_markup=keyboard,
                        rate_limit_args=priority,
                    ),
                    attempts=attempts,
                    what="sendMessage",
                )
            )
        if screen.urgent and urgent_sent is not None and sent:
            await urgent_sent(sent[-1])
    return sent
