"""The floor for `stride bench load`: a bare python-telegram-bot bot, no database, no logic.

It makes the same Bot API calls per update as Stride does for a new patient's consent and
PHQ-9 — a message with buttons per question, the callback answered, three messages after
consent, the crisis reply and an alert for a positive item 9, two after the difficulty
question — so CPU per update here is what python-telegram-bot itself costs on this machine.
The wording is Stride's fragments only, enough for the same simulated patients to find
their buttons. Run by the benchmark as `python -m bot.bench_floor` (TELEGRAM_API_URL,
TELEGRAM_BOT_TOKEN and SUPERVISOR_IDS from the environment).
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

ANSWERS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
DIFFICULTY = (
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
)


def _keyboard(prefix: str, labels: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=f"{prefix}:{i}")]
            for i, label in enumerate(labels)
        ]
    )


CITIES = ("New York", "Chicago", "Los Angeles", "Ciudad de México", "London", "Madrid")


def _question(number: int) -> tuple[str, InlineKeyboardMarkup]:
    return f"Question {number} of 9\n\nOver the last 2 weeks...", _keyboard(f"q{number}", ANSWERS)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        "Hello, and welcome. Stride is not an emergency service.",
        reply_markup=_keyboard("consent", ("I agree", "No, thanks", "Español")),
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    chat = update.effective_chat.id
    await query.answer()
    step, _, choice = query.data.partition(":")
    send = context.bot.send_message
    if step == "consent":
        await send(chat, "Let's set things up.")
        await send(chat, "Where are you?", reply_markup=_keyboard("tz", CITIES))
    elif step == "tz":
        await send(chat, "Time for a short check-in.")
        text, keyboard = _question(1)
        await send(chat, text, reply_markup=keyboard)
    elif step.startswith("q") and step != "q9":
        text, keyboard = _question(int(step[1:]) + 1)
        await send(chat, text, reply_markup=keyboard)
    elif step == "q9" and choice != "0":
        await send(
            chat,
            "Thank you for answering that honestly. Are you safe right now?",
            reply_markup=_keyboard(
                "safe", ("I'm safe right now", "I need help now", "Show my safety plan")
            ),
        )
        for supervisor in context.bot_data["supervisors"]:
            await send(
                supervisor,
                f"URGENT: patient {chat}",
                reply_markup=_keyboard("esc", ("Acknowledge", "Resolve")),
            )
    elif step == "safe":
        await send(chat, "Thank you for letting me know.")
        await send(
            chat, "We can carry on setting up.", reply_markup=_keyboard("go", ("Continue",))
        )
    elif step == "q9":
        await send(
            chat, "One last question. how difficult?", reply_markup=_keyboard("d", DIFFICULTY)
        )
    elif step in ("d", "go"):
        if step == "d":
            await send(chat, "Your total is 8 out of 27.")
        await send(chat, "A few quick questions?", reply_markup=_keyboard("r", ("Yes", "No")))


def main() -> None:
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"])
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(32)
        .build()
    )
    application.bot_data["supervisors"] = [
        int(s) for s in os.environ.get("SUPERVISOR_IDS", "").split(",") if s
    ]
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
