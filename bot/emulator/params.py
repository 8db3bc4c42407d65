"""Bot API request parameters: typed access and the error a method answers with.

Why: clients send the same parameter as a JSON value, a form string ("42", "true") or a JSON
string inside a form field (reply_markup). Handlers should not care which; they ask for an int or
an object and get either the value or the 400 Telegram would answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_INT_RE = re.compile(r"^[+-]?\d+$")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (sendPhoto with bytes, setWebhook certificate)."""

    field: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class ApiError(Exception):
    """An error answer in Bot API form; raising it from a handler ends the request."""

    status: int
    description: str
    parameters: dict[str, Any] | None = field(default=None)

    def __str__(self) -> str:
        return f"{self.status} {self.description}"

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        out: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            out["parameters"] = self.parameters
        return out


def bad_request(text: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {text}")


def decode_json_text(value: object) -> object:
    """Decode a JSON string (how PTB sends nested objects in form fields); other values pass."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") or stripped in ("null", "true", "false"):
            try:
                return json.loads(stripped)
            except ValueError:
                return value
    return value


def as_int(value: object) -> int | None:
    """An integer from a JSON number or a decimal string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    return None


def as_bool(value: object) -> bool | None:
    """A boolean from a JSON bool, 0/1 or the strings true/false, else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    return None


class Params:
    """Typed, lenient access to one request's parameters."""

    def __init__(
        self, values: Mapping[str, object], files: Mapping[str, UploadedFile] | None = None
    ) -> None:
        self.values: dict[str, object] = dict(values)
        self.files: dict[str, UploadedFile] = dict(files or {})

    def has(self, name: str) -> bool:
        """True when the parameter was sent with a non-null value or as a file part."""
        return self.values.get(name) is not None or name in self.files

    def raw(self, name: str) -> object | None:
        """The value as received (no decoding)."""
        return self.values.get(name)

    def opt_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        result = as_int(value)
        if result is None:
            raise bad_request(f"invalid {name} specified")
        return result

    def req_int(self, name: str) -> int:
        result = self.opt_int(name)
        if result is None:
            raise bad_request(f"{name} is empty")
        return result

    def opt_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise bad_request(f"invalid {name} specified")
        return str(value)

    def req_str(self, name: str) -> str:
        result = self.opt_str(name)
        if result is None:
            raise bad_request(f"{name} is empty")
        return result

    def opt_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        result = as_bool(value)
        if result is None:
            raise bad_request(f"invalid {name} specified")
        return result

    def opt_json(self, name: str) -> object | None:
        """A nested object or array, decoded from a JSON string if needed."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        decoded = decode_json_text(value)
        if isinstance(decoded, str):
            raise bad_request(f"can't parse {name} JSON object")
        return decoded

    def opt_obj(self, name: str) -> dict[str, Any] | None:
        value = self.opt_json(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request(f'field "{name}" must be of type Object')
        return value

    def opt_list(self, name: str) -> list[Any] | None:
        value = self.opt_json(name)
        if value is None:
            return None
        if not isinstance(value, list):
            raise bad_request(f'field "{name}" must be of type Array')
        return value

    def chat_ref(self, name: str = "chat_id") -> int | str:
        """A chat id (int) or a public @username (str)."""
        value = self.values.get(name)
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        number = as_int(value)
        if number is not None:
            return number
        if isinstance(value, str) and value.startswith("@"):
            return value
        raise bad_request("chat not found")

    def file(self, name: str) -> UploadedFile | str | None:
        """An uploaded file part (directly or via attach://name) or a file_id / URL string."""
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise bad_request(f"invalid {name} specified")
        if value.startswith("attach://"):
            attached = self.files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file for {name} not found in the request")
            return attached
        return value
