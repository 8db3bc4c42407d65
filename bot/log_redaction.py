"""A logging filter that keeps secrets and patient content out of every log line, any level.

At DEBUG, python-telegram-bot logs every Bot API call with its parameters and results (the
patient's words, names, phone numbers, the bot's replies) and request URLs carry the token.
The filter renders each record once, then removes:
- the bot token (given, and anything shaped like one, also inside `bot<token>/` URLs);
- the values of message-bearing fields (`text`, `caption`, names, phone numbers, button
  data, …) in dict reprs, JSON and `key=value` reprs of Telegram objects;
- international phone numbers anywhere.
It sits on the root handlers, so records of every logger pass through it. Database drivers
(whose DEBUG lines quote SQL parameters verbatim) are held at WARNING besides.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
FIELDS = (
    "text",
    "caption",
    "first_name",
    "last_name",
    "username",
    "phone_number",
    "vcard",
    "data",
    "query",
    "message_text",
    "quote",
    "bio",
    "email",
    "address",
    "title",
    "question",
    "explanation",
    "description",
)
_QUOTED = r"""(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")"""
FIELD_VALUE = re.compile(
    rf"""(?P<key>(?P<q>\\?['"]?)(?:{"|".join(FIELDS)})(?P=q)\s*[:=]\s*)(?P<value>{_QUOTED})"""
)
# JSON nested inside a Python string repr: "text": "..." with the quotes escaped.
ESCAPED_VALUE = re.compile(
    rf"""(?P<key>\\"(?:{"|".join(FIELDS)})\\"\s*:\s*)\\"(?:[^"\\]|\\[^"])*\\\""""
)
PHONE = re.compile(r"\+\d[\d ()./-]{6,}\d")
QUIET_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy", "httpcore", "hpack")


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = TOKEN_SHAPE.sub(REDACTED, text)
        text = ESCAPED_VALUE.sub(lambda m: f'{m.group("key")}\\"{REDACTED}\\"', text)
        text = FIELD_VALUE.sub(lambda m: f"{m.group('key')}'{REDACTED}'", text)
        return PHONE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record, lose nothing else
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(secrets: Iterable[str] = (), level: int = logging.INFO) -> Redactor:
    """Put one `Redactor` on every root handler (after `logging.basicConfig`)."""
    redactor = Redactor(secrets)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, Redactor) for f in handler.filters):
            handler.addFilter(redactor)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
    return redactor
