"""Flow models that serialise themselves: typed, versioned, readable from older rows.

A model is a plain dataclass whose `state` is its flow's Enum. `dump()` gives what storage
keeps for it (every field but `state`, which has its own column, plus the format version
`v`); `load(state, data)` validates that back into the typed model with pydantic. Fields
marked `metadata=TRANSIENT` are configuration rebuilt from content on every update (the PHQ-9's
item ids, for instance): they are never stored, so a content change reaches running flows.

Why versioned: rows written by an earlier release must keep loading after a model changes.
A data dict without `v` is version 1 (the first release's hand-written dicts); a model
whose format changes raises `VERSION` and says in `upgrade` how an older dict becomes a
current one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import TypeAdapter

VERSION_KEY = "v"
_TRANSIENT = "transient"
# `field(..., metadata=TRANSIENT)`: a field rebuilt from content each update, never stored.
TRANSIENT = {_TRANSIENT: True}


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(cls: type) -> TypeAdapter[Any]:
    """One pydantic adapter per model class, built on first use."""
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter


class Versioned:
    """Mixin for a flow model dataclass: `dump()` and `load()`, versioned."""

    VERSION: ClassVar[int] = 1

    def dump(self) -> dict[str, Any]:
        cls = type(self)
        data: dict[str, Any] = _adapter(cls).dump_python(self, mode="json")
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            if field.name == "state" or field.metadata.get(_TRANSIENT):
                data.pop(field.name, None)
        data[VERSION_KEY] = cls.VERSION
        return data

    @classmethod
    def load(cls, state: str, data: Mapping[str, Any], **transients: Any) -> Self:
        """The model stored as (`state`, `data`); `transients` fill the unstored fields."""
        raw = dict(data)
        version = int(raw.pop(VERSION_KEY, 1))
        if version > cls.VERSION:
            raise ValueError(f"{cls.__name__} data version {version} is newer than this code")
        raw = cls.upgrade(raw, version) if version < cls.VERSION else raw
        stored = {
            f.name
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if not f.metadata.get(_TRANSIENT)
        }
        values = {k: v for k, v in raw.items() if k in stored and v is not None}
        model: Self = _adapter(cls).validate_python({**values, **transients, "state": state})
        return model

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Turn data of an older `version` into the current format (override when it changes)."""
        return data
