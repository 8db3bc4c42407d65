"""Telegram's rules beyond field types: keyboards, commands, callback answers.

Why: a request can match the spec's types and still be refused by Telegram, e.g. an inline
button with only a text, callback_data over 64 bytes, or a command with a capital letter. These
are checked here, before the method runs, so the bot's bug shows as a recorded violation instead
of surfacing for the first time in production.
"""

from __future__ import annotations

import re
from typing import Any

from .params import Params, decode_json_text

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMANDS = 100
MAX_CALLBACK_ANSWER = 200


def check_request(method: str, params: Params) -> list[str]:
    """Rule violations of one request (empty when Telegram would accept it)."""
    errors: list[str] = []
    markup = decode_json_text(params.raw("reply_markup"))
    if isinstance(markup, dict):
        errors += check_reply_markup(markup)
    if method == "setMyCommands":
        errors += check_commands(decode_json_text(params.raw("commands")))
    if method in ("setMyCommands", "deleteMyCommands", "getMyCommands"):
        language = params.raw("language_code")
        if isinstance(language, str) and language and not _LANGUAGE_RE.match(language):
            errors.append(f"invalid language_code {language!r}: use a two-letter ISO 639-1 code")
    if method == "answerCallbackQuery":
        text = params.raw("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER:
            errors.append(f"MESSAGE_TOO_LONG: callback answer text is {len(text)} characters")
    return errors


def check_reply_markup(markup: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    rows = markup.get("inline_keyboard")
    if isinstance(rows, list):
        for r, row in enumerate(rows):
            if not isinstance(row, list):
                continue
            for c, button in enumerate(row):
                if isinstance(button, dict):
                    errors += _check_inline_button(button, f"inline_keyboard[{r}][{c}]")
    rows = markup.get("keyboard")
    if isinstance(rows, list):
        for r, row in enumerate(rows):
            if not isinstance(row, list):
                continue
            for c, button in enumerate(row):
                text = button.get("text") if isinstance(button, dict) else button
                if isinstance(text, str) and not text.strip():
                    errors.append(f"keyboard[{r}][{c}]: keyboard button text is empty")
    return errors


def _check_inline_button(button: dict[str, Any], where: str) -> list[str]:
    errors: list[str] = []
    text = button.get("text")
    if isinstance(text, str) and not text.strip():
        errors.append(f"{where}: can't parse inline keyboard button: text is empty")
    actions = [name for name in INLINE_ACTIONS if button.get(name) is not None]
    if not actions:
        errors.append(
            f"{where}: can't parse inline keyboard button: Text buttons are unallowed in the "
            "inline keyboard"
        )
    elif len(actions) > 1:
        errors.append(
            f"{where}: can't parse inline keyboard button: exactly one of {', '.join(actions)} "
            "must be set"
        )
    data = button.get("callback_data")
    if isinstance(data, str):
        size = len(data.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            errors.append(f"{where}: BUTTON_DATA_INVALID: callback_data is {size} bytes (1-64)")
    return errors


def check_commands(commands: object) -> list[str]:
    if not isinstance(commands, list):
        return []
    errors: list[str] = []
    if len(commands) > MAX_COMMANDS:
        errors.append(f"too many commands: {len(commands)} (at most {MAX_COMMANDS})")
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        name = command.get("command")
        if isinstance(name, str) and not _COMMAND_RE.match(name):
            errors.append(
                f"commands[{index}]: BOT_COMMAND_INVALID: {name!r} must be 1-32 characters "
                "of a-z, 0-9 and _"
            )
        description = command.get("description")
        if isinstance(description, str) and not 1 <= len(description.strip()) <= 256:
            errors.append(
                f"commands[{index}]: BOT_COMMAND_DESCRIPTION_INVALID: description must be "
                "1-256 characters"
            )
    return errors
