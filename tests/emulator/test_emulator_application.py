"""A real PTB Application (polling, handlers, ApplicationBuilder.base_url) talks to a user."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.emulator import EmulatorClient, EmulatorServer
from bot.emulator.core import DEFAULT_TOKEN as TOKEN

ANA = 1001


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Did you walk today?",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Yes", callback_data="walk:yes")]]
        ),
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Saved")
    await query.edit_message_text(f"Noted: {query.data}")


@pytest.fixture
async def running_app(emulator: EmulatorServer) -> AsyncIterator[Application]:
    # The builder as the real bot uses it, only pointed at the emulator.
    app = ApplicationBuilder().token(TOKEN).base_url(emulator.bot_api_base).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=2)
        yield app
        await app.updater.stop()
        await app.stop()


async def test_conversation_through_polling(
    running_app: Application,
    client: EmulatorClient,
) -> None:
    await client.create_user(ANA, "Ana", language_code="en")
    await client.send_text(ANA, "/start")
    question = await client.wait_for_text(ANA, "Did you walk today?", timeout=5)
    assert question["reply_markup"]["inline_keyboard"][0][0]["text"] == "Yes"
    pressed_button = await client.press(ANA, question["message_id"], text="Yes")
    answer = await client.callback_answer(pressed_button["callback_query_id"], wait=5)
    assert answer["answer"]["text"] == "Saved"
    edited = await client.wait_for_text(ANA, "Noted: walk:yes", timeout=5)
    assert edited["message_id"] == question["message_id"]
    assert edited["reply_markup"] is None  # editing without a keyboard removes it
    assert await client.violations() == []
    assert (await client.stats())["methods"]["getUpdates"] >= 2
