"""PTB's real Bot (httpx, form encoding, multipart) against the emulator over 127.0.0.1.

Every test runs with `self_check=True`, so each result the emulator returned was also checked
against the spec; `assert_clean` proves no request was rejected and no result was malformed.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import Awaitable, Callable

import aiohttp
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, NetworkError, RetryAfter

from bot.emulator import EmulatorClient, EmulatorServer, LimitConfig
from bot.emulator.core import DEFAULT_TOKEN as TOKEN
from bot.emulator.media import image_size, solid_png
from bot.emulator.spec import load_spec

StartEmulator = Callable[..., Awaitable[EmulatorServer]]
MakeBot = Callable[..., telegram.Bot]

USER = 1001
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Done ✅", callback_data="done:1")],
        [InlineKeyboardButton("Later", callback_data="later")],
    ]
)


async def assert_clean(client: EmulatorClient) -> None:
    assert await client.violations() == []


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_get_me(bot: telegram.Bot, client: EmulatorClient) -> None:
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.is_bot
    assert me.username == "stride_test_bot"
    await assert_clean(client)


async def test_send_edit_and_read_back(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(USER, "Ana", language_code="es")
    sent = await bot.send_message(
        USER, "<b>Hola</b> Ana", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert sent.text == "Hola Ana"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup == KEYBOARD
    assert sent.chat.id == USER

    edited = await bot.edit_message_text(
        "Hecho", chat_id=USER, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert isinstance(edited, telegram.Message)
    assert edited.text == "Hecho"
    assert edited.edit_date is not None
    no_keyboard = await bot.edit_message_reply_markup(USER, sent.message_id)
    assert isinstance(no_keyboard, telegram.Message)
    assert no_keyboard.reply_markup is None

    (message,) = await client.messages(USER)
    assert message["message_id"] == sent.message_id
    assert message["text"] == "Hecho"
    assert message["edited"] is True
    assert message["reply_markup"] is None
    assert [h["text"] for h in message["history"]] == ["Hola Ana", "Hecho"]
    assert message["source_text"] == "Hecho"
    await assert_clean(client)


async def test_unchanged_edit_is_refused_like_telegram(
    bot: telegram.Bot, client: EmulatorClient
) -> None:
    await client.create_user(USER, "Ana")
    sent = await bot.send_message(USER, "same")
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("same", chat_id=USER, message_id=sent.message_id)
    (violation,) = await client.violations()
    assert violation["kind"] == "bad_request"


async def test_send_photo_bytes(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(USER, "Ana")
    png = solid_png(40, 30)
    message = await bot.send_photo(USER, png, caption="Your <i>week</i>", parse_mode="HTML")
    photo = message.photo[-1]
    assert (photo.width, photo.height) == (40, 30)
    assert message.caption == "Your week"
    assert await client.photo(photo.file_id) == png
    (view,) = await client.messages(USER)
    assert view["photo"]["size"] == len(png)
    again = await bot.send_photo(USER, photo.file_id)  # resend by file_id
    assert again.photo[-1].file_id == photo.file_id
    file = await bot.get_file(photo.file_id)
    assert file.file_size == len(png)
    await assert_clean(client)


async def test_commands_per_scope_and_language(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(USER, "Ana")
    assert await bot.set_my_commands([BotCommand("start", "Start")])
    assert await bot.set_my_commands([BotCommand("start", "Empezar")], language_code="es")
    scope = BotCommandScopeChat(USER)
    assert await bot.set_my_commands([BotCommand("pause", "Pausar")], scope=scope)
    assert (await bot.get_my_commands())[0].description == "Start"
    assert (await bot.get_my_commands(language_code="es"))[0].description == "Empezar"
    assert (await bot.get_my_commands(scope=scope))[0].command == "pause"
    assert await bot.delete_my_commands(language_code="es")
    assert await bot.get_my_commands(language_code="es") == ()
    stored = await client.commands()
    assert {(c["scope"]["type"], c["language_code"]) for c in stored} == {
        ("default", ""),
        ("chat", ""),
    }
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    await assert_clean(client)


async def test_long_polling_returns_early_with_a_user_message(
    bot: telegram.Bot, client: EmulatorClient
) -> None:
    await client.create_user(USER, "Ana", language_code="es")
    assert await bot.get_updates(timeout=0) == ()

    async def later() -> int:
        await asyncio.sleep(0.3)
        return await client.send_text(USER, "/start@stride_test_bot hola")

    started = time.monotonic()
    sender = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=10)
    elapsed = time.monotonic() - started
    message_id = await sender
    assert 0.25 < elapsed < 3
    (update,) = updates
    assert update.message is not None
    assert update.message.message_id == message_id
    assert update.message.text == "/start@stride_test_bot hola"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "es"
    entity = update.message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 22)
    # Without confirmation the update is delivered again; with offset it is gone.
    assert (await bot.get_updates(timeout=0))[0].update_id == update.update_id
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    await assert_clean(client)


async def test_pressing_a_button_gives_a_callback_query(
    bot: telegram.Bot, client: EmulatorClient
) -> None:
    await client.create_user(USER, "Ana")
    sent = await bot.send_message(USER, "Did you walk today?", reply_markup=KEYBOARD)
    pressed = await client.press(USER, sent.message_id, text="Done ✅")
    assert pressed["forged"] is False
    (update,) = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None
    assert query.data == "done:1"
    assert query.from_user.id == USER
    assert isinstance(query.message, telegram.Message)
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Great!")
    answer = await client.callback_answer(query.id)
    assert answer["answered"] is True
    assert answer["answer"]["text"] == "Great!"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    # Forged data not on the message is still delivered, flagged for security tests.
    forged = await client.press(USER, sent.message_id, data="admin:delete_all")
    assert forged["forged"] is True
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=1)
    assert updates[0].callback_query is not None
    assert updates[0].callback_query.data == "admin:delete_all"
    # A press on a deleted message carries an InaccessibleMessage (date 0); PTB 22 parses it
    # as a Message whose is_accessible is False.
    assert await bot.delete_message(USER, sent.message_id)
    await client.press(USER, sent.message_id, data="done:1")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    late = updates[0].callback_query
    assert late is not None
    assert late.message is not None
    assert late.message.is_accessible is False
    assert late.message.message_id == sent.message_id
    kinds = [(v["method"], v["kind"]) for v in await client.violations()]
    assert kinds == [("answerCallbackQuery", "bad_request")]  # the second answer only


@pytest.mark.filterwarnings("ignore:Please use:telegram.warnings.PTBUserWarning")
async def test_missing_field_and_unknown_method_are_violations(
    bot: telegram.Bot, client: EmulatorClient
) -> None:
    await client.create_user(USER, "Ana")
    with pytest.raises(BadRequest, match='required parameter "text" is missing'):
        await bot.do_api_request("sendMessage", api_kwargs={"chat_id": USER})
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": USER})
    with pytest.raises(BadRequest, match=r"(?i)not supported by the emulator"):
        await bot.do_api_request("sendDice", api_kwargs={"chat_id": USER})
    with pytest.raises(BadRequest, match=r"(?i)Text buttons are unallowed"):
        await bot.send_message(
            USER, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("only text")]])
        )
    with pytest.raises(BadRequest, match=r"(?i)reserved"):
        await bot.send_message(USER, "Well done!", parse_mode="MarkdownV2")
    kinds = [(v["method"], v["kind"]) for v in await client.violations()]
    assert kinds == [
        ("sendMessage", "invalid_request"),
        ("sendTelepathy", "unknown_method"),
        ("sendDice", "unsupported_method"),
        ("sendMessage", "invalid_request"),
        ("sendMessage", "bad_request"),
    ]
    assert await client.messages(USER) == []


async def test_json_body_and_http_errors(emulator: EmulatorServer, client: EmulatorClient) -> None:
    await client.create_user(USER, "Ana")
    base = f"{emulator.bot_api_base}{TOKEN}"
    async with aiohttp.ClientSession() as http:
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        body = {"chat_id": USER, "text": "json", "reply_markup": markup}
        async with http.post(f"{base}/sendMessage", json=body) as response:
            data = await response.json()
        assert response.status == 200
        assert data["ok"] is True
        assert data["result"]["reply_markup"] == markup
        async with http.get(f"{base}/getMe") as response:
            assert (await response.json())["result"]["username"] == "stride_test_bot"
        async with http.post(f"{base}/sendMessage", data={"chat_id": "777", "text": "x"}) as r:
            assert r.status == 400
            assert await r.json() == {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        async with http.post(f"{base}/noSuchMethod") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"


async def test_token_check(start_emulator: StartEmulator, make_bot: MakeBot) -> None:
    server = await start_emulator(token_check=True, bot_token=TOKEN)
    with pytest.raises(telegram.error.InvalidToken):
        async with make_bot(server, "999:wrong"):
            pass
    async with make_bot(server) as right:
        assert (await right.get_me()).id == 123456789


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_private_chat_flood_limit(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(USER, "Ana")
    for n in range(3):  # the tolerated burst
        await bot.send_message(USER, f"reminder {n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "one too many")
    assert seconds(caught.value.retry_after) == 1
    stats = await client.stats()
    assert stats["rate_limited"] == 1
    assert stats["sends_per_chat"] == {str(USER): 3}
    assert len(await client.messages(USER)) == 3
    await bot.send_chat_action(USER, "typing")  # not a message: not limited
    await client.set_limits(enabled=False)
    await bot.send_message(USER, "limits off")


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_group_flood_limit(start_emulator: StartEmulator, make_bot: MakeBot) -> None:
    server = await start_emulator(limit_config=LimitConfig(group_per_minute=20))
    async with EmulatorClient(server.url) as client:
        await client.create_user(USER, "Ana")
        group = await client.create_group("Walkers", members=[USER])
        async with make_bot(server) as bot:
            for n in range(20):
                await bot.send_message(group["id"], f"tip {n}")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(group["id"], "tip 21")
        assert seconds(caught.value.retry_after) == 3
        assert (await client.stats())["rate_limited_per_chat"] == {str(group["id"]): 1}


async def test_injected_502_then_recovery(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(USER, "Ana")
    await client.set_faults(fail_next=1, method="sendMessage")
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(USER, "first try")
    message = await bot.send_message(USER, "second try")
    assert message.text == "second try"
    assert (await client.stats())["faults_triggered"] == 1
    await assert_clean(client)


async def test_blocked_chat_and_send_outage(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.create_user(USER, "Ana")
    await client.create_user(1002, "Ben")
    await client.set_faults(block_chat=USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "hello?")
    await bot.send_message(1002, "others still get messages")
    await client.set_faults(fail_sends=True, status=500, description="Internal Server Error")
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(1002, "outage")
    assert (await bot.get_me()).id  # non-sending methods are unaffected
    await client.clear_faults()
    await bot.send_message(USER, "back")
    await assert_clean(client)


async def test_delay_causes_client_timeout(bot: telegram.Bot, client: EmulatorClient) -> None:
    await client.set_faults(delay=0.5, method="getMe", delay_count=1)
    with pytest.raises(telegram.error.TimedOut):
        await bot.get_me(read_timeout=0.1)
    assert (await bot.get_me()).username == "stride_test_bot"


async def test_get_updates_conflict_between_two_bot_instances(
    emulator: EmulatorServer, bot: telegram.Bot, client: EmulatorClient, make_bot: MakeBot
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    async with make_bot(emulator) as second_instance:
        second = asyncio.create_task(second_instance.get_updates(timeout=0))
        with pytest.raises(telegram.error.Conflict, match=r"(?i)terminated by other getUpdates"):
            await first
        assert await second == ()
    assert (await client.stats())["get_updates_conflicts"] == 1


def test_spec_types_of_sample_objects() -> None:
    """The emulator's photo helper produces what it claims (used by the tests above)."""
    assert image_size(solid_png(3, 2)) == (3, 2)
    assert load_spec().validate_object("BotCommand", {"command": "a", "description": "b"}) == []
