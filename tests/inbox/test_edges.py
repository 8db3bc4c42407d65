"""Small pure parts of the inbox: what is transient, retries of sends, log redaction."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.inbox.intake import queue_key_of, words_of
from bot.inbox.transient import is_transient
from bot.log_redaction import REDACTED, Redactor
from bot.sending import with_retries


def test_database_outages_are_transient_and_bugs_are_not() -> None:
    assert is_transient(OperationalError("SELECT 1", {}, Exception("database is locked")))
    assert is_transient(ConnectionRefusedError())
    assert not is_transient(IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not is_transient(KeyError("a bug"))
    try:
        raise ValueError("wrapped") from OSError("connection reset")
    except ValueError as error:
        assert is_transient(error)


class Flaky:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "sent"


async def test_5xx_answers_are_retried_until_the_message_goes() -> None:
    call = Flaky(NetworkError("Bad Gateway"), NetworkError("Internal Server Error (500)"))
    assert await with_retries(call) == "sent"
    assert call.calls == 3


async def test_a_timeout_is_retried_once_only() -> None:
    """Telegram may have delivered it: at most one more try, never a stream of copies."""
    call = Flaky(TimedOut(), TimedOut(), TimedOut())
    with pytest.raises(TimedOut):
        await with_retries(call)
    assert call.calls == 2


async def test_a_bad_request_is_not_retried() -> None:
    call = Flaky(BadRequest("chat not found"))
    with pytest.raises(BadRequest):
        await with_retries(call)
    assert call.calls == 1


def test_the_queue_and_the_words_of_raw_updates() -> None:
    press = {"update_id": 1, "callback_query": {"id": "q", "from": {"id": 7}, "data": "x"}}
    edit = {"update_id": 2, "edited_message": {"chat": {"id": -5}, "caption": "I want to die"}}
    assert queue_key_of(press) == 7 and words_of(press) == ""
    assert queue_key_of(edit) == -5 and words_of(edit) == "I want to die"
    assert queue_key_of({"update_id": 3, "message": {"text": "no sender"}}) is None


def test_the_log_filter_redacts_at_every_level_and_in_tracebacks() -> None:
    redactor = Redactor(["123:secret-token-value"])
    record = logging.LogRecord(
        "telegram.ext", logging.DEBUG, __file__, 1, "params %s", ({"text": "I feel awful"},), None
    )
    try:
        raise RuntimeError("POST /bot123:secret-token-value/sendMessage text='I feel awful'")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert redactor.filter(record)
    rendered = logging.Formatter().format(record)
    assert "secret-token-value" not in rendered and "I feel awful" not in rendered
    assert REDACTED in rendered
