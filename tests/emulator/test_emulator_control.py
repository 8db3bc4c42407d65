"""The control API plays users, groups and Telegram itself; PTB parses every resulting update."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
import telegram
from telegram.error import BadRequest, ChatMigrated, Forbidden

from bot.emulator import EmulatorClient, EmulatorError, EmulatorServer
from bot.emulator.media import solid_png

ANA = 1001
BEN = 1002


async def next_updates(bot: telegram.Bot, seen: list[int]) -> tuple[telegram.Update, ...]:
    """Updates after the ones already seen (confirming them), waiting up to 1 s."""
    offset = max(seen) + 1 if seen else None
    updates = await bot.get_updates(offset=offset, timeout=1)
    seen.extend(u.update_id for u in updates)
    return updates


async def test_group_command_with_bot_username(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(ANA, "Ana")
    group = await client.create_group("Walkers", members=[ANA])
    message_id = await client.send_text(ANA, "/checkin@stride_test_bot 20min", group["id"])
    (update,) = await bot.get_updates(timeout=1)
    message = update.message
    assert message is not None
    assert message.message_id == message_id
    assert message.chat.type == "group"
    assert message.chat.title == "Walkers"
    assert message.entities[0].type == "bot_command"
    assert message.entities[0].length == len("/checkin@stride_test_bot")
    assert await client.violations() == []


async def test_edits_kinds_channel_posts_and_bot_senders(
    bot: telegram.Bot, client: EmulatorClient
) -> None:
    seen: list[int] = []
    await client.create_user(ANA, "Ana")
    first = await client.send_text(ANA, "I walked 10 min")
    await client.edit_text(ANA, first, "I walked 20 min")
    await client.send_message(ANA, kind="sticker", emoji="🏃")
    await client.send_message(ANA, kind="photo", data=solid_png(8, 8), caption="view")
    await client.send_message(ANA, kind="voice")
    original, edited, sticker, photo, voice = await next_updates(bot, seen)
    assert original.message is not None and original.message.text == "I walked 10 min"
    assert edited.edited_message is not None
    assert edited.edited_message.message_id == first
    assert edited.edited_message.text == "I walked 20 min"
    assert sticker.message is not None and sticker.message.sticker is not None
    assert sticker.message.sticker.emoji == "🏃"
    assert photo.message is not None and photo.message.photo[-1].width == 8
    assert photo.message.caption == "view"
    assert voice.message is not None and voice.message.voice is not None

    await client.create_user(2001, "Other bot", is_bot=True, username="other_bot")
    channel = await client.create_group(
        "News", chat_type="channel", admins=[ANA], bot_status="administrator"
    )
    group = await client.create_group("Team", chat_type="supergroup", members=[ANA, 2001])
    await client.send_text(ANA, "Weekly post", channel["id"])
    await client.send_text(2001, "beep", group["id"])
    post, from_bot = await next_updates(bot, seen)
    assert post.channel_post is not None
    assert post.channel_post.sender_chat is not None
    assert post.channel_post.sender_chat.id == channel["id"]
    assert post.channel_post.from_user is None
    assert from_bot.message is not None and from_bot.message.from_user is not None
    assert from_bot.message.from_user.is_bot
    assert await client.violations() == []


async def test_member_events_block_and_restart(bot: telegram.Bot, client: EmulatorClient) -> None:
    seen: list[int] = []
    await client.create_user(ANA, "Ana")
    await client.create_user(BEN, "Ben")
    group = await client.create_group("Care team", creator=ANA, bot_status="left")
    with pytest.raises(Forbidden):
        await bot.send_message(group["id"], "not a member yet")
    await client.chat_member(group["id"], 123456789, "add", by_id=ANA)
    added, service = await next_updates(bot, seen)
    assert added.my_chat_member is not None
    assert added.my_chat_member.old_chat_member.status == "left"
    assert added.my_chat_member.new_chat_member.status == "member"
    assert added.my_chat_member.from_user.id == ANA
    assert service.message is not None
    assert service.message.new_chat_members[0].id == 123456789
    await bot.send_message(group["id"], "Hello team")

    await client.chat_member(group["id"], BEN, "join")
    await client.chat_member(group["id"], BEN, "leave")
    joined, left = await next_updates(bot, seen)  # chat_member updates are not in the default
    assert joined.message is not None and joined.message.new_chat_members[0].id == BEN
    assert left.message is not None and left.message.left_chat_member is not None
    member = await bot.get_chat_member(group["id"], BEN)
    assert member.status == "left"
    admins = await bot.get_chat_administrators(group["id"])
    assert [a.user.id for a in admins] == [ANA]

    await client.block(ANA)
    (blocked,) = await next_updates(bot, seen)
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(ANA, "Reminder")
    await client.send_text(ANA, "/start")
    restarted, start = await next_updates(bot, seen)
    assert restarted.my_chat_member is not None
    assert restarted.my_chat_member.new_chat_member.status == "member"
    assert start.message is not None and start.message.text == "/start"
    await bot.send_message(ANA, "Welcome back")
    assert await bot.leave_chat(group["id"])
    (gone,) = await next_updates(bot, seen)
    assert gone.my_chat_member is not None
    assert gone.my_chat_member.new_chat_member.status == "left"


async def test_migration_to_supergroup(bot: telegram.Bot, client: EmulatorClient) -> None:
    seen: list[int] = []
    await client.create_user(ANA, "Ana")
    group = await client.create_group("Walkers", creator=ANA)
    new_id = await client.migrate(group["id"])
    assert new_id != group["id"]
    to, from_ = await next_updates(bot, seen)
    assert to.message is not None and to.message.migrate_to_chat_id == new_id
    assert from_.message is not None and from_.message.migrate_from_chat_id == group["id"]
    assert from_.message.chat.type == "supergroup"
    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(group["id"], "hello?")
    assert caught.value.new_chat_id == new_id
    await bot.send_message(new_id, "hello supergroup")
    chat = await bot.get_chat(new_id)
    assert chat.type == "supergroup"
    assert await client.violations() == []  # a migration is not the bot's fault


async def test_waiting_for_the_bots_messages(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(ANA, "Ana")

    async def reply_later() -> None:
        await asyncio.sleep(0.2)
        sent = await bot.send_message(ANA, "Loading…")
        await asyncio.sleep(0.1)
        await bot.edit_message_text("Your plan is ready", ANA, sent.message_id)

    task = asyncio.create_task(reply_later())
    first = await client.wait_for_messages(ANA, after_id=0, timeout=3)
    assert first[0]["text"] == "Loading…"
    edited = await client.wait_for_text(ANA, "plan is ready", timeout=3)
    assert edited["message_id"] == first[0]["message_id"]
    assert edited["edited"] is True
    await task
    with pytest.raises(TimeoutError):
        await client.wait_for_messages(ANA, after_id=first[0]["message_id"], timeout=0.3)
    with pytest.raises(TimeoutError):
        await client.wait_for_text(ANA, "never said", timeout=0.3)
    assert await bot.delete_message(ANA, first[0]["message_id"])
    (view,) = await client.messages(ANA)
    assert view["deleted"] is True
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ANA, first[0]["message_id"])


async def test_event_stream(
    emulator: EmulatorServer, bot: telegram.Bot, client: EmulatorClient
) -> None:
    await client.create_user(ANA, "Ana")
    received: list[tuple[str, dict[str, object]]] = []

    async def listen() -> None:
        async for kind, data in client.events():
            received.append((kind, data))
            if kind == "bot_message":
                return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.1)
    await client.send_text(ANA, "hi")
    await bot.send_message(ANA, "hello Ana")
    await asyncio.wait_for(listener, 3)
    kinds = [kind for kind, _ in received]
    assert kinds.index("user_message") < kinds.index("bot_message")
    assert received[-1][1]["text"] == "hello Ana"


async def test_chats_stats_reset_and_errors(
    emulator: EmulatorServer, bot: telegram.Bot, client: EmulatorClient
) -> None:
    await client.create_user(ANA, "Ana", language_code="es")
    await bot.send_message(ANA, "hola")
    (chat,) = await client.chats()
    assert chat["id"] == ANA
    assert chat["language_code"] == "es"
    assert chat["last_message"]["text"] == "hola"
    stats = await client.stats()
    assert stats["methods"]["sendMessage"] == 1
    with pytest.raises(EmulatorError) as missing:
        await client.send_text(4242, "who am I?")
    assert missing.value.status == 404
    with pytest.raises(EmulatorError):
        await client.press(ANA, 1, text="no such button")
    await client.reset()
    assert await client.chats() == []
    assert (await client.stats())["methods"] == {}
    async with aiohttp.ClientSession() as http, http.get(f"{emulator.url}/control/") as response:
        routes = (await response.json())["routes"]
    assert "POST /control/press" in routes


async def test_privacy_mode_hides_group_chatter(
    start_emulator: Callable[..., Awaitable[EmulatorServer]],
    make_bot: Callable[..., telegram.Bot],
) -> None:
    server = await start_emulator(privacy_mode=True)
    async with EmulatorClient(server.url) as client, make_bot(server) as bot:
        await client.create_user(ANA, "Ana")
        group = await client.create_group("Walkers", members=[ANA])
        await client.send_text(ANA, "just chatting", group["id"])
        command = await client.send_text(ANA, "/stats", group["id"])
        (update,) = await bot.get_updates(timeout=0)
        assert update.message is not None and update.message.message_id == command
        pending = await client.pending_updates()
        assert json.dumps(pending).count("just chatting") == 0


async def test_reply_keyboard_contact_button_sends_own_contact(
    bot: telegram.Bot, client: EmulatorClient
) -> None:
    """A request_contact button sends the user's own contact; other buttons send their text;
    remove_keyboard hides the keyboard; a forwarded contact carries someone else's id."""
    seen: list[int] = []
    await client.create_user(ANA, "Ana")
    await bot.send_message(
        ANA,
        "Share your number?",
        reply_markup=telegram.ReplyKeyboardMarkup(
            [
                [telegram.KeyboardButton("Share", request_contact=True)],
                [telegram.KeyboardButton("Not now")],
            ],
            one_time_keyboard=True,
        ),
    )
    await client.press_keyboard(ANA, "Share")
    await client.press_keyboard(ANA, "Not now")
    await client.send_contact(ANA, "+34600000000", first_name="Ben", contact_user_id=BEN)
    shared, skipped, forwarded = await next_updates(bot, seen)
    assert shared.message is not None and shared.message.contact is not None
    assert shared.message.contact.user_id == ANA
    assert shared.message.contact.phone_number.isdigit()
    assert skipped.message is not None and skipped.message.text == "Not now"
    assert forwarded.message is not None and forwarded.message.contact is not None
    assert forwarded.message.contact.user_id == BEN

    await bot.send_message(ANA, "Thanks", reply_markup=telegram.ReplyKeyboardRemove())
    with pytest.raises(EmulatorError):
        await client.press_keyboard(ANA, "Share")
    with pytest.raises(EmulatorError):
        await client.send_message(ANA, kind="contact")  # no phone number
    assert await client.violations() == []
