"""The Bot API specification, loaded from the bundled JSON, and checks against it.

Why: the emulator must judge the bot by an independent reference, not by python-telegram-bot's
own idea of the API. A request naming an unknown method, missing a required field or sending a
value of the wrong type is a bug that the real Telegram would reject in production; a response
missing a required field is an emulator bug that would make PTB's `de_json` fail. Both are
checked here.

Requests are checked leniently, the way Telegram reads them (form strings "42" and "true" are
numbers and booleans, nested objects may arrive as JSON strings); responses are checked
strictly (real JSON types, no fields the spec does not know).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from . import api_spec
from .params import UploadedFile, as_bool, as_int, decode_json_text

_DISCRIMINATOR_RE = re.compile(r"(?:must be|always)\s+[\"“]?([A-Za-z_]+)[\"”]?")
_DISCRIMINATOR_FIELDS = ("type", "status", "source")
_ARRAY = "Array of "
REQUEST_DEPTH = 4
RESPONSE_DEPTH = 16


@dataclass(frozen=True)
class FieldSpec:
    """One field of a method or a type."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: its parameters and what it returns."""

    name: str
    returns: tuple[str, ...]
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class TypeSpec:
    """A Bot API type: either fields, or subtypes (a union such as ChatMember)."""

    name: str
    fields: tuple[FieldSpec, ...]
    subtypes: tuple[str, ...]
    discriminator: tuple[str, str] | None

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def _fields(raw: Sequence[Mapping[str, Any]]) -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(name=f["name"], types=tuple(f["types"]), required=bool(f["required"]))
        for f in raw
    )


def _discriminator(raw_fields: Sequence[Mapping[str, Any]]) -> tuple[str, str] | None:
    """The (field, value) pair that tells union members apart, read from the description."""
    for raw in raw_fields:
        if raw["name"] in _DISCRIMINATOR_FIELDS:
            match = _DISCRIMINATOR_RE.search(raw.get("description", ""))
            if match:
                return raw["name"], match.group(1)
    return None


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return f"String {json.dumps(value[:40], ensure_ascii=False)}"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, UploadedFile):
        return "InputFile"
    return type(value).__name__


class ApiSpec:
    """Methods and types of one Bot API version, with request and response checks."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", "unknown"))
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(
                name=name,
                returns=tuple(m.get("returns", [])),
                fields=_fields(m.get("fields", [])),
            )
            for name, m in raw["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(
                name=name,
                fields=_fields(t.get("fields", [])),
                subtypes=tuple(t.get("subtypes", [])),
                discriminator=_discriminator(t.get("fields", [])),
            )
            for name, t in raw["types"].items()
        }
        self._lower = {name.lower(): name for name in self.methods}

    def canonical_method(self, name: str) -> str | None:
        """The method's spelling in the spec; Bot API method names are case-insensitive."""
        return self._lower.get(name.lower())

    # ----------------------------------------------------------------- requests
    def validate_request(
        self,
        method: str,
        params: Mapping[str, object],
        files: Collection[str] = (),
    ) -> list[str]:
        """Violations of one request: missing required fields and values of the wrong type."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"unknown method {method!r}"]
        errors: list[str] = []
        for f in spec.fields:
            value = params.get(f.name)
            if value is None and f.name in files:
                value = UploadedFile(f.name, None, "application/octet-stream", b"")
            if value is None:
                if f.required:
                    errors.append(f'{method}: required parameter "{f.name}" is missing')
                continue
            for problem in self._check_union(f.types, value, f.name, 0, lenient=True, files=files):
                errors.append(f"{method}: {problem}")
        return errors

    # ----------------------------------------------------------------- responses
    def validate_result(self, method: str, result: object) -> list[str]:
        """Problems with a result the emulator returns for `method` (strict JSON types)."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"unknown method {method!r}"]
        return self._check_union(spec.returns, result, "result", 0, lenient=False, files=())

    def validate_object(self, type_name: str, value: object) -> list[str]:
        """Problems with one object of a named type (strict), e.g. an Update the bot receives."""
        return self._check_union((type_name,), value, type_name, 0, lenient=False, files=())

    # ----------------------------------------------------------------- checks
    def _check_union(
        self,
        types: Sequence[str],
        value: object,
        path: str,
        depth: int,
        *,
        lenient: bool,
        files: Collection[str],
    ) -> list[str]:
        best: list[str] | None = None
        structured = False
        for type_name in types:
            errors = self._check_one(type_name, value, path, depth, lenient=lenient, files=files)
            if not errors:
                return []
            if len(types) == 1:
                return errors
            if self._is_structured(type_name) and isinstance(
                decode_json_text(value) if lenient else value, dict | list
            ):
                structured = True
                if best is None or len(errors) < len(best):
                    best = errors
        if structured and best is not None:
            return best
        return [f"{path}: expected {' or '.join(types)}, got {_describe(value)}"]

    def _is_structured(self, type_name: str) -> bool:
        return type_name.startswith(_ARRAY) or (
            type_name in self.types and type_name != "InputFile"
        )

    def _check_one(
        self,
        type_name: str,
        value: object,
        path: str,
        depth: int,
        *,
        lenient: bool,
        files: Collection[str],
    ) -> list[str]:
        mismatch = [f"{path}: expected {type_name}, got {_describe(value)}"]
        if type_name.startswith(_ARRAY):
            items = decode_json_text(value) if lenient else value
            if not isinstance(items, list):
                return mismatch
            errors: list[str] = []
            for index, item in enumerate(items):
                errors += self._check_union(
                    (type_name[len(_ARRAY) :],),
                    item,
                    f"{path}[{index}]",
                    depth,
                    lenient=lenient,
                    files=files,
                )
            return errors
        if type_name == "Integer":
            ok = (as_int(value) is not None) if lenient else _is_int(value)
            return [] if ok else mismatch
        if type_name == "Float":
            return [] if _is_number(value, lenient) else mismatch
        if type_name in ("Boolean", "True"):
            flag = as_bool(value) if lenient else (value if isinstance(value, bool) else None)
            if flag is None or (type_name == "True" and flag is not True):
                return mismatch
            return []
        if type_name == "String":
            if isinstance(value, str) or (
                lenient and isinstance(value, int | float) and not isinstance(value, bool)
            ):
                return []
            return mismatch
        if type_name == "InputFile":
            if isinstance(value, UploadedFile):
                return []
            if (
                isinstance(value, str)
                and value.startswith("attach://")
                and value.removeprefix("attach://") in files
            ):
                return []
            return mismatch
        type_spec = self.types.get(type_name)
        if type_spec is None:
            return []
        obj = decode_json_text(value) if lenient else value
        if not isinstance(obj, dict):
            return mismatch
        limit = REQUEST_DEPTH if lenient else RESPONSE_DEPTH
        if depth >= limit:
            return []
        if type_spec.subtypes:
            return self._check_subtypes(type_spec, obj, path, depth, lenient=lenient, files=files)
        return self._check_fields(type_spec, obj, path, depth, lenient=lenient, files=files)

    def _check_subtypes(
        self,
        type_spec: TypeSpec,
        obj: dict[str, Any],
        path: str,
        depth: int,
        *,
        lenient: bool,
        files: Collection[str],
    ) -> list[str]:
        members = [self.types[s] for s in type_spec.subtypes if s in self.types]
        keyed = [m for m in members if m.discriminator is not None]
        if keyed:
            key = keyed[0].discriminator[0] if keyed[0].discriminator else "type"
            actual = obj.get(key)
            for member in keyed:
                if member.discriminator == (key, actual):
                    return self._check_fields(
                        member, obj, path, depth, lenient=lenient, files=files
                    )
            allowed = ", ".join(m.discriminator[1] for m in keyed if m.discriminator)
            return [f"{path}.{key}: {actual!r} is not a {type_spec.name} (one of: {allowed})"]
        return self._check_union(
            tuple(m.name for m in members), obj, path, depth, lenient=lenient, files=files
        )

    def _check_fields(
        self,
        type_spec: TypeSpec,
        obj: dict[str, Any],
        path: str,
        depth: int,
        *,
        lenient: bool,
        files: Collection[str],
    ) -> list[str]:
        errors: list[str] = []
        for f in type_spec.fields:
            value = obj.get(f.name)
            if value is None:
                if f.required:
                    errors.append(f"{path}.{f.name} is required in {type_spec.name}")
                continue
            errors += self._check_union(
                f.types, value, f"{path}.{f.name}", depth + 1, lenient=lenient, files=files
            )
        if not lenient:
            known = {f.name for f in type_spec.fields}
            errors += [
                f"{path}.{name} is not a field of {type_spec.name}"
                for name in obj
                if name not in known
            ]
        return errors


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object, lenient: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if lenient and isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


@cache
def load_spec() -> ApiSpec:
    """The bundled specification, parsed once per process."""
    text = (resources.files(api_spec) / "api.min.json").read_text("utf-8")
    return ApiSpec(json.loads(text))
