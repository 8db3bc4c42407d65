"""The consent a patient gives, as versioned content.

The wording lives in the chat texts (`text_keys`, in the order shown); this file holds what
code must not decide on its own: which version is current, when it took effect, and whether a
change is material enough to ask patients who agreed to an older version again (a typo fix
is not; a new use of their data is). Versions are listed oldest first; the last is current.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import Field, model_validator

from content.schemas.base import Identifier, LocalizedText, StrictModel, TextKey


class ConsentVersion(StrictModel):
    version: str = Field(min_length=1, max_length=64)
    effective: dt.date
    reconsent: bool
    """True if patients who agreed to an earlier version must be asked again."""
    changes: LocalizedText


class ConsentDocument(StrictModel):
    schema_version: Literal[1]
    id: Identifier
    text_keys: list[TextKey] = Field(min_length=1)
    versions: list[ConsentVersion] = Field(min_length=1)

    @property
    def current(self) -> ConsentVersion:
        return self.versions[-1]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        names = [v.version for v in self.versions]
        if len(set(names)) != len(names):
            raise ValueError("consent versions must be unique")
        dates = [v.effective for v in self.versions]
        if dates != sorted(dates):
            raise ValueError("consent versions must be listed oldest first")
        return self
