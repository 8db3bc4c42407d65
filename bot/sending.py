"""Sends rendered screens to a chat; edits the pressed message when a screen asks to."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.rate_limit import SAFETY_RETRIES
from bot.render import render
from content.texts import Texts
from dialogs.screens import Screen

log = logging.getLogger(__name__)

ChartRenderer = Callable[[object, Texts, str], bytes]


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
) -> list[Message]:
    sent: list[Message] = []
    for screen in screens:
        rendered = render(screen, texts, language, group=group)
        priority = SAFETY_RETRIES if screen.urgent else None
        if screen.chart is not None and chart_renderer is not None:
            image = chart_renderer(screen.chart, texts, language)
            sent.append(await bot.send_photo(chat_id, photo=image, rate_limit_args=priority))
        if rendered.edit and pressed is not None:
            try:
                await bot.edit_message_reply_markup(
                    chat_id, pressed.message_id, reply_markup=rendered.keyboard
                )
                continue
            except BadRequest as error:  # e.g. "message is not modified"
                log.debug("edit refused, sending instead: %s", error)
        for index, part in enumerate(rendered.parts):
            last = index == len(rendered.parts) - 1
            sent.append(
                await bot.send_message(
                    chat_id,
                    part,
                    reply_markup=rendered.keyboard if last else None,
                    rate_limit_args=priority,
                )
            )
    return sent
