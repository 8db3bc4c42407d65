"""Telegram updates from group chats → group commands, membership changes, moves.

In order, for a group message:
1. service messages: the group became a supergroup (`migrate_to_chat_id` in the old chat,
   `migrate_from_chat_id` in the new one: either moves the board), a member left (off the
   board);
2. any words are screened for risk language first — commands, captions and edits too — and
   a flagged message is answered only in private (`risk`), never in the group;
3. our own commands run; commands addressed to another bot (`/board@otherbot`), patient
   commands and ordinary chatter get no reply: a group is not a place for a conversation
   about someone's health.
The bot being added greets the group; removed or kicked, the group goes inactive.
"""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.context import services_of
from bot.groups import commands, risk
from bot.groups.posting import move, post
from bot.services import Services
from bot.telegram_events import command_or_text
from dialogs import group as dialog
from dialogs.events import Command

log = logging.getLogger(__name__)
GROUP_CHATS = (ChatType.GROUP, ChatType.SUPERGROUP)
PRESENT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _dispatch(update, context)
    raise ApplicationHandlerStop


async def _dispatch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    chat, user = update.effective_chat, update.effective_user
    message = update.message
    if chat is None or user is None:
        return
    if message is None:  # an edit: screened for risk, never acted on
        edited = update.effective_message
        words = (edited.text or edited.caption) if edited is not None else None
        if words:
            await risk.answered_privately(update, context, user, words)
        return
    if message.migrate_to_chat_id:
        await move(services, chat.id, message.migrate_to_chat_id)
        return
    if message.migrate_from_chat_id:
        await move(services, message.migrate_from_chat_id, chat.id)
        return
    if message.left_chat_member is not None:
        await _member_left(services, chat, message.left_chat_member.id, context.bot.id)
        return
    if not message.text:
        if message.caption:  # a photo's caption is free text too
            await risk.answered_privately(update, context, user, message.caption)
        return
    if await risk.answered_privately(update, context, user, message.text):
        return
    event = command_or_text(message.text, context.bot.username)
    if not isinstance(event, Command):
        return
    action = commands.COMMANDS.get(event.name)
    if action is None:  # another bot's command (`__other_bot__`) or not a group command
        return
    await action(
        commands.GroupRequest(
            bot=context.bot,
            services=services,
            chat=chat,
            user=user,
            message=message,
            args=event.args,
            update_id=update.update_id,
        )
    )


async def _member_left(services: Services, chat: Chat, user_id: int, bot_id: int) -> None:
    async with services.store.transaction() as tx:
        if user_id == bot_id:
            await tx.deactivate_group(chat.id)
            return
        group = await tx.group_for_chat(chat.id)
        if group is not None:
            await tx.leave_group(group.id, user_id)


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a group (greet it) or removed from one (stop writing there)."""
    change = update.my_chat_member
    if change is None or change.chat.type not in GROUP_CHATS:
        return  # a private chat blocked or unblocked: the patient pipeline's business
    services = services_of(context)
    old, new = change.old_chat_member.status, change.new_chat_member.status
    chat = change.chat
    if new in PRESENT and old not in PRESENT:
        settings = services.settings
        async with services.store.transaction() as tx:
            group = await tx.register_group(
                chat.id,
                title=chat.title,
                language=settings.default_language,
                timezone=settings.default_timezone,
                now=services.clock.now(),
            )
        await post(context.bot, services, chat.id, [dialog.welcome()], group.language)
    elif new in GONE:
        async with services.store.transaction() as tx:
            await tx.deactivate_group(chat.id)
        log.info("removed from group %s", chat.id)
    raise ApplicationHandlerStop


async def on_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member left or was removed: off the board (also seen as `left_chat_member`)."""
    change = update.chat_member
    if (
        change is not None
        and change.chat.type in GROUP_CHATS
        and change.new_chat_member.status in GONE
    ):
        member = change.new_chat_member.user.id
        await _member_left(services_of(context), change.chat, member, context.bot.id)
    raise ApplicationHandlerStop


def install(application: Application, group: int) -> None:
    """Group chats' handlers, in one handler group (the first that matches wins)."""
    application.add_handler(
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER), group=group
    )
    application.add_handler(
        ChatMemberHandler(on_chat_member, ChatMemberHandler.CHAT_MEMBER), group=group
    )
    application.add_handler(MessageHandler(filters.ChatType.GROUPS, on_group_message), group=group)
