"""Request validation against the bundled Bot API spec, Telegram's extra rules, and parsing."""

from __future__ import annotations

import json

import pytest

from bot.emulator.formatting import ParseError, command_entities, parse
from bot.emulator.params import Params
from bot.emulator.rules import check_request
from bot.emulator.spec import load_spec

SPEC = load_spec()


def keyboard(*rows: list[dict[str, object]]) -> str:
    return json.dumps({"inline_keyboard": list(rows)})


def test_spec_is_the_bundled_version() -> None:
    assert SPEC.version.startswith("Bot API")
    assert {"sendMessage", "getUpdates", "setMyCommands"} <= set(SPEC.methods)
    assert SPEC.canonical_method("SENDMESSAGE") == "sendMessage"
    assert SPEC.canonical_method("sendMesage") is None


def test_form_encoded_request_like_ptb_sends_is_valid() -> None:
    params = {
        "chat_id": "42",
        "text": "hi",
        "disable_notification": "true",
        "reply_markup": keyboard([{"text": "Done", "callback_data": "done"}]),
        "entities": json.dumps([{"type": "bold", "offset": 0, "length": 2}]),
        "link_preview_options": json.dumps({"is_disabled": True}),
    }
    assert SPEC.validate_request("sendMessage", params) == []


def test_missing_required_field() -> None:
    errors = SPEC.validate_request("sendMessage", {"chat_id": 1})
    assert errors == ['sendMessage: required parameter "text" is missing']


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("chat_id", True, "chat_id: expected Integer or String, got Boolean"),
        ("disable_notification", "maybe", "disable_notification: expected Boolean"),
        ("message_thread_id", "x1", "message_thread_id: expected Integer"),
        ("reply_markup", "{not json", "reply_markup: expected InlineKeyboardMarkup or"),
        ("entities", json.dumps({"type": "bold"}), "entities: expected Array of MessageEntity"),
    ],
)
def test_wrong_types(field: str, value: object, expected: str) -> None:
    params: dict[str, object] = {"chat_id": 1, "text": "x", field: value}
    errors = SPEC.validate_request("sendMessage", params)
    assert len(errors) == 1
    assert expected in errors[0]


def test_nested_required_fields_are_checked() -> None:
    params = {"chat_id": 1, "text": "x", "reply_markup": keyboard([{"callback_data": "a"}])}
    assert SPEC.validate_request("sendMessage", params) == [
        "sendMessage: reply_markup.inline_keyboard[0][0].text is required in InlineKeyboardButton"
    ]
    entities = json.dumps([{"type": "bold", "offset": 0}])
    errors = SPEC.validate_request(
        "sendMessage", {"chat_id": 1, "text": "x", "entities": entities}
    )
    assert errors == ["sendMessage: entities[0].length is required in MessageEntity"]


def test_union_types_are_discriminated_by_type_field() -> None:
    commands = json.dumps([{"command": "start", "description": "Start"}])
    ok = {"commands": commands, "scope": json.dumps({"type": "chat", "chat_id": 5})}
    assert SPEC.validate_request("setMyCommands", ok) == []
    missing = {"commands": commands, "scope": json.dumps({"type": "chat"})}
    assert SPEC.validate_request("setMyCommands", missing) == [
        "setMyCommands: scope.chat_id is required in BotCommandScopeChat"
    ]
    unknown = {"commands": commands, "scope": json.dumps({"type": "everyone"})}
    (error,) = SPEC.validate_request("setMyCommands", unknown)
    assert "'everyone' is not a BotCommandScope" in error


def test_input_file_accepts_a_file_part_or_attach_uri() -> None:
    assert SPEC.validate_request("sendPhoto", {"chat_id": 1}, files={"photo"}) == []
    attach = {"chat_id": 1, "photo": "attach://pic"}
    assert SPEC.validate_request("sendPhoto", attach, files={"pic"}) == []
    assert SPEC.validate_request("sendPhoto", {"chat_id": 1, "photo": "file-id"}) == []
    assert SPEC.validate_request("sendPhoto", {"chat_id": 1}) == [
        'sendPhoto: required parameter "photo" is missing'
    ]


def test_results_are_checked_strictly() -> None:
    assert SPEC.validate_result("getMe", {"id": 1, "is_bot": True, "first_name": "B"}) == []
    assert SPEC.validate_result("getMe", {"id": "1", "is_bot": True, "first_name": "B"}) == [
        'result.id: expected Integer, got String "1"'
    ]
    assert SPEC.validate_result("getMe", {"id": 1, "first_name": "B"}) == [
        "result.is_bot is required in User"
    ]


def test_rules_inline_buttons_and_commands() -> None:
    text_only = Params({"reply_markup": keyboard([{"text": "A"}])})
    (error,) = check_request("sendMessage", text_only)
    assert "Text buttons are unallowed" in error
    too_long = Params({"reply_markup": keyboard([{"text": "A", "callback_data": "x" * 65}])})
    assert "BUTTON_DATA_INVALID" in check_request("sendMessage", too_long)[0]
    fine = Params({"reply_markup": keyboard([{"text": "A", "callback_data": "x" * 64}])})
    assert check_request("sendMessage", fine) == []
    bad_command = Params({"commands": json.dumps([{"command": "Start", "description": "d"}])})
    assert "BOT_COMMAND_INVALID" in check_request("setMyCommands", bad_command)[0]
    bad_language = Params({"commands": "[]", "language_code": "spanish"})
    assert "language_code" in check_request("setMyCommands", bad_language)[0]


def test_html_parsing_gives_plain_text_and_utf16_entities() -> None:
    text, entities = parse('😀 <b>Hola</b> &lt;3 <a href="https://x.org">x</a>', "HTML")
    assert text == "😀 Hola <3 x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 11, "length": 1, "url": "https://x.org"},
    ]


@pytest.mark.parametrize(
    ("text", "mode", "message"),
    [
        ("<b>open", "HTML", 'can\'t find end tag corresponding to start tag "b"'),
        ("<blink>x</blink>", "HTML", 'unsupported start tag "blink"'),
        ("<b>x</i>", "HTML", "unmatched end tag"),
        ("Done!", "MarkdownV2", "character '!' is reserved"),
        ("*bold", "MarkdownV2", "can't find end of Bold entity"),
        ("_it", "Markdown", "can't find end of the entity"),
    ],
)
def test_parse_errors(text: str, mode: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(text, mode)


def test_markdown_v2_escapes_and_nesting() -> None:
    text, entities = parse(r"*Hi _there_* 1\.5\!", "MarkdownV2")
    assert text == "Hi there 1.5!"
    assert {"type": "bold", "offset": 0, "length": 8} in entities
    assert {"type": "italic", "offset": 3, "length": 5} in entities


def test_command_entities() -> None:
    assert command_entities("/start@stride_test_bot now /help") == [
        {"type": "bot_command", "offset": 0, "length": 22},
        {"type": "bot_command", "offset": 27, "length": 5},
    ]
    assert command_entities("a/b") == []
