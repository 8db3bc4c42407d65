"""Group commands: /join, /leave, /board, /challenge, /cheer, /help.

Each command reads and writes storage in one transaction, then replies in the group with a
screen from `dialogs.group` (group-safe by construction) as a reply to the command, so the
bot addresses the sender without naming them. Nothing here reads a check-in, a mood or any
other clinical record: a board is minutes and chosen names only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Chat, Message, User
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.groups.posting import post
from bot.inbox.current import claim
from bot.sending import send_screens
from bot.services import Services
from bot.storage.repository import Transaction
from content.texts import negotiate_language
from dialogs import group as dialog
from dialogs.group import Group
from dialogs.screens import Screen

log = logging.getLogger(__name__)
ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


@dataclass(frozen=True)
class GroupRequest:
    """One group command: who asked, where, with what arguments."""

    bot: ExtBot[Any]
    services: Services
    chat: Chat
    user: User
    message: Message
    args: str
    update_id: int

    @property
    def now(self) -> dt.datetime:
        return self.services.clock.now()

    async def reply(
        self, group: Group | None, *screens: Screen, reply_to: int | None = None
    ) -> None:
        """Answer in the group, as a reply to the command (or to `reply_to`)."""
        language = group.language if group else self.services.settings.default_language
        await post(
            self.bot,
            self.services,
            self.chat.id,
            screens,
            language,
            reply_to=reply_to or self.message.message_id,
        )


async def register(tx: Transaction, request: GroupRequest, now: dt.datetime) -> Group:
    settings = request.services.settings
    return await tx.register_group(
        request.chat.id,
        title=request.chat.title,
        language=settings.default_language,
        timezone=settings.default_timezone,
        now=now,
    )


async def join(request: GroupRequest) -> None:
    now = request.now
    reply: Screen | None = None
    async with request.services.store.transaction() as tx:
        if not await claim(tx, request.update_id, now):
            return
        group = await register(tx, request, now)
        state = await tx.load_patient(request.user.id, now)
        if state is not None and dialog.can_join(state.patient.journey):
            name = (request.user.first_name or "")[: dialog.NAME_LIMIT] or None
            new = await tx.join_group(group.id, state.patient.id, name, now)
            shown = name if state.profile.share_name_in_groups else None
            reply = dialog.joined(shown) if new else dialog.already_joined()
    if reply is None:
        reply = await _invite(request, state.patient.language if state is not None else None)
    await request.reply(group, reply)


async def _invite(request: GroupRequest, language: str | None) -> Screen:
    """Ask someone who has not said yes to the terms to start in private."""
    texts = request.services.content.texts
    language = language or negotiate_language(
        request.user.language_code or request.services.settings.default_language,
        texts.languages,
    )
    try:
        await send_screens(
            request.bot, request.user.id, [dialog.invite_private()], texts, language
        )
    except (Forbidden, BadRequest) as error:  # never opened a chat with Stride, or blocked it
        log.info("could not invite %s privately: %s", request.user.id, error)
        return dialog.needs_private_chat()
    return dialog.invite_sent()


async def leave(request: GroupRequest) -> None:
    async with request.services.store.transaction() as tx:
        group = await tx.group_for_chat(request.chat.id)
        removed = group is not None and await tx.leave_group(group.id, request.user.id)
    await request.reply(group, dialog.left() if removed else dialog.not_member())


async def board(request: GroupRequest) -> None:
    now = request.now
    content = request.services.content
    async with request.services.store.transaction() as tx:
        group = await register(tx, request, now)
        first, last = dialog.week_of(group, now)
        members = await tx.group_members(group.id, first, last)
    goal = dialog.goal_of(group, members, content.protocol)
    await request.reply(group, dialog.board(members, goal, content.texts, group.language))


async def challenge(request: GroupRequest) -> None:
    """Admins set the weekly goal; anyone else is refused kindly and nothing changes."""
    if not await _is_admin(request):
        async with request.services.store.transaction() as tx:
            group = await tx.group_for_chat(request.chat.id)
        await request.reply(group, dialog.challenge_admins_only())
        return
    minutes = dialog.parse_minutes(request.args)
    now = request.now
    async with request.services.store.transaction() as tx:
        group = await register(tx, request, now)
        reached = False
        if minutes is not None:
            group.goal_minutes = minutes
            first, last = dialog.week_of(group, now)
            members = await tx.group_members(group.id, first, last)
            total = sum(m.minutes for m in members)
            reached = dialog.goal_newly_reached(group, total, minutes, now)
            if reached:
                group.goal_week = first
            await tx.save_group(group)
    if minutes is None:
        await request.reply(group, dialog.challenge_range())
        return
    await request.reply(group, dialog.challenge_set(minutes))
    if reached:
        await post(
            request.bot,
            request.services,
            group.chat_id,
            [dialog.goal_reached(minutes)],
            group.language,
        )


async def _is_admin(request: GroupRequest) -> bool:
    try:
        member = await request.bot.get_chat_member(request.chat.id, request.user.id)
    except TelegramError as error:
        log.warning("could not check admin rights in %s: %s", request.chat.id, error)
        return False
    return member.status in ADMINS


async def cheer(request: GroupRequest) -> None:
    """`/cheer` as a reply cheers that person; `/cheer @username` that username; else the team.

    A reply is answered on the cheered person's message, so it needs no name: their name is
    written only if they chose to show it in groups.
    """
    replied = request.message.reply_to_message
    target = replied.from_user if replied is not None else None
    async with request.services.store.transaction() as tx:
        group = await tx.group_for_chat(request.chat.id)
        if replied is None or target is None or target.is_bot:
            cheered = None
            screen = dialog.cheer(dialog.to_cheer(request.args))
        else:
            state = await tx.load_patient(target.id, request.now)
            shares = state is not None and state.profile.share_name_in_groups
            cheered = replied.message_id
            screen = dialog.cheer(target.first_name if shares else None, addressed=True)
    await request.reply(group, screen, reply_to=cheered)


async def show_help(request: GroupRequest) -> None:
    async with request.services.store.transaction() as tx:
        group = await tx.group_for_chat(request.chat.id)
    await request.reply(group, dialog.help_screen())


COMMANDS: dict[str, Callable[[GroupRequest], Awaitable[None]]] = {
    "join": join,
    "leave": leave,
    "board": board,
    "challenge": challenge,
    "cheer": cheer,
    "help": show_help,
    "start": show_help,
}
